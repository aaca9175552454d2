/** DNS for sender authentication: the {@link org.tegami.mailauth.dns.Dns} lookups, a caching dnsjava resolver. */
package org.tegami.mailauth.dns;
