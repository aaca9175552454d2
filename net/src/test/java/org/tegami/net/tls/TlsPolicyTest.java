package org.tegami.net.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TlsPolicyTest {
    @ParameterizedTest
    @CsvSource({
            "TLS_AES_128_GCM_SHA256, true",
            "TLS_AES_256_GCM_SHA384, true",
            "TLS_CHACHA20_POLY1305_SHA256, true",
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, true",
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, true",
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, true",
            "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256, true",
            "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256, false",
            "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA, false",
            "TLS_RSA_WITH_AES_128_GCM_SHA256, false",
            "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256, false",
            "TLS_ECDH_ECDSA_WITH_AES_128_GCM_SHA256, false",
            "TLS_ECDH_anon_WITH_AES_128_CBC_SHA, false",
            "TLS_DH_anon_WITH_AES_128_GCM_SHA256, false",
            "TLS_ECDHE_RSA_WITH_RC4_128_SHA, false",
            "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA, false",
            "TLS_ECDHE_ECDSA_WITH_NULL_SHA, false",
            "SSL_RSA_EXPORT_WITH_RC4_40_MD5, false",
            "TLS_EMPTY_RENEGOTIATION_INFO_SCSV, false",
    })
    void allowsOnlyForwardSecretAead(String suite, boolean allowed) {
        assertEquals(allowed, TlsPolicy.allowed(suite));
    }
}
