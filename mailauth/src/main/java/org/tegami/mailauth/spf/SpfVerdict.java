package org.tegami.mailauth.spf;

import java.util.Optional;

/**
 * The outcome of an SPF check of one identity.
 *
 * @param result      the check_host() result
 * @param domain      the domain checked (the MAIL FROM domain or the HELO name)
 * @param sender      the sender address used for macros, "postmaster@" + domain when MAIL FROM was empty
 * @param explanation for {@code fail}, the explanation the domain published with {@code exp=} (RFC 7208 §6.2)
 * @param reason      a short diagnostic for logs and Authentication-Results comments (never sent to the client)
 */
public record SpfVerdict(SpfResult result, String domain, String sender, Optional<String> explanation, String reason) {}
