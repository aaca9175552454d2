package org.tegami.server.acme;

import java.net.URI;
import java.nio.file.Path;
import java.util.Optional;

/**
 * {@code [tls] acme*}: certificates from an ACME CA (RFC 8555) instead of files.
 *
 * @param directory the CA's directory URL, e.g. {@code https://acme-v02.api.letsencrypt.org/directory}
 * @param email contact address registered with the account (expiry notices), if any
 * @param ca PEM file of extra CAs trusted for the directory's HTTPS (a private or test CA), if any
 */
public record AcmeSettings(URI directory, Optional<String> email, Optional<Path> ca) {
}
