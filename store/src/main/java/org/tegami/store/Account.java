package org.tegami.store;

import org.tegami.mime.EmailAddress;

/** A user: their primary address and encoded password hash (PHC string format). */
public record Account(AccountId id, EmailAddress address, String passwordHash) {
}
