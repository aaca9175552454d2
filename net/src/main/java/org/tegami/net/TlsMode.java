package org.tegami.net;

/** How a listener uses TLS. */
public enum TlsMode {
    /** Plain connection that may be upgraded with STARTTLS/STLS (ports 25, 587, 143, 110). */
    STARTTLS,
    /** TLS from the first byte (RFC 8314: ports 465, 993, 995). */
    IMPLICIT
}
