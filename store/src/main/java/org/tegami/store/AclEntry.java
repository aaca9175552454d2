package org.tegami.store;

import java.util.Optional;

/**
 * One entry of a mailbox's access control list (RFC 4314 §2).
 *
 * @param grantee    the user granted the rights; empty for the special identifier {@code anyone}
 * @param identifier the user's address, or {@code anyone}
 * @param rights     lower-case right letters (RFC 4314 §2.1), e.g. {@code lrs}
 */
public record AclEntry(Optional<AccountId> grantee, String identifier, String rights) {
    public static final String ANYONE = "anyone";
}
