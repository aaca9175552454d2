package org.tegami.net.tls;

import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * The TLS-ALPN-01 challenge certificates (RFC 8737) an ACME client has put up, by DNS name. A handshake that
 * negotiated the {@value #ACME_TLS_1} protocol is answered with the challenge certificate for its SNI name and
 * nothing else; every other handshake sees the normal certificate. Thread-safe.
 */
public final class AcmeTlsChallenges {
    /** RFC 8737 §6.2: the ALPN protocol id of the validation handshake. */
    public static final String ACME_TLS_1 = "acme-tls/1";
    private static final String ALIAS_PREFIX = "acme-tls-1:";

    private record Entry(X509Certificate certificate, PrivateKey key) {}

    private final Map<String, Entry> byName = new ConcurrentHashMap<>();

    /** Serves {@code certificate} (self-signed, with the acmeIdentifier extension) to validations of {@code name}. */
    public void put(String name, X509Certificate certificate, PrivateKey key) {
        byName.put(name.toLowerCase(Locale.ROOT), new Entry(certificate, key));
    }

    /** Takes the challenge certificate of {@code name} down. */
    public void remove(String name) {
        byName.remove(name.toLowerCase(Locale.ROOT));
    }

    /** Whether any challenge is up (tests). */
    public boolean isEmpty() {
        return byName.isEmpty();
    }

    /** The key manager of {@code normal}, answering acme-tls/1 handshakes from this table. */
    X509ExtendedKeyManager wrap(X509ExtendedKeyManager normal) {
        return new KeyManager(normal);
    }

    private final class KeyManager extends X509ExtendedKeyManager {
        private final X509ExtendedKeyManager normal;

        KeyManager(X509ExtendedKeyManager normal) {
            this.normal = normal;
        }

        /**
         * RFC 8737 §3: an acme-tls/1 handshake gets the challenge certificate of the SNI name, or no certificate at
         * all (the handshake fails): never the normal one. The ALPN choice is made before the certificate's.
         */
        private String challengeAlias(String keyType, String protocol, SSLSession handshake) {
            if (!ACME_TLS_1.equals(protocol)) return null;
            String name = sniName(handshake);
            Entry e = name == null ? null : byName.get(name);
            if (e == null || !e.key().getAlgorithm().equals(keyType)) return "";
            return ALIAS_PREFIX + name;
        }

        private static String sniName(SSLSession handshake) {
            if (!(handshake instanceof ExtendedSSLSession ext)) return null;
            for (SNIServerName n : ext.getRequestedServerNames()) {
                if (n instanceof SNIHostName h) return h.getAsciiName().toLowerCase(Locale.ROOT);
            }
            return null;
        }

        @Override
        public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
            String acme = engine == null ? null
                    : challengeAlias(keyType, engine.getHandshakeApplicationProtocol(), engine.getHandshakeSession());
            if (acme != null) return acme.isEmpty() ? null : acme;
            return normal.chooseEngineServerAlias(keyType, issuers, engine);
        }

        @Override
        public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
            String acme = socket instanceof SSLSocket s
                    ? challengeAlias(keyType, s.getHandshakeApplicationProtocol(), s.getHandshakeSession()) : null;
            if (acme != null) return acme.isEmpty() ? null : acme;
            return normal.chooseServerAlias(keyType, issuers, socket);
        }

        @Override
        public X509Certificate[] getCertificateChain(String alias) {
            if (alias != null && alias.startsWith(ALIAS_PREFIX)) {
                Entry e = byName.get(alias.substring(ALIAS_PREFIX.length()));
                return e == null ? null : new X509Certificate[] {e.certificate()};
            }
            return normal.getCertificateChain(alias);
        }

        @Override
        public PrivateKey getPrivateKey(String alias) {
            if (alias != null && alias.startsWith(ALIAS_PREFIX)) {
                Entry e = byName.get(alias.substring(ALIAS_PREFIX.length()));
                return e == null ? null : e.key();
            }
            return normal.getPrivateKey(alias);
        }

        @Override
        public String[] getServerAliases(String keyType, Principal[] issuers) {
            return normal.getServerAliases(keyType, issuers);
        }

        @Override
        public String[] getClientAliases(String keyType, Principal[] issuers) {
            return normal.getClientAliases(keyType, issuers);
        }

        @Override
        public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
            return normal.chooseClientAlias(keyType, issuers, socket);
        }

        @Override
        public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
            return normal.chooseEngineClientAlias(keyType, issuers, engine);
        }
    }
}
