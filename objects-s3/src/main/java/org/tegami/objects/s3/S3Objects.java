package org.tegami.objects.s3;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.tegami.store.ObjectStorage;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Blob objects in an S3-compatible bucket, as {@code blobs/ab/cdef…} (the key's first two hex digits, then the
 * rest), through the AWS SDK for Java v2 over the JDK's HttpURLConnection. Uploads stream from the temporary file
 * (in parts above {@link #multipartThreshold}), reads stream ranged GETs; 5xx answers, throttling and broken
 * connections are retried with exponential backoff and jitter (the SDK's standard strategy, {@value #ATTEMPTS}
 * attempts). Every failure is an {@link IOException} that says what to fix. See docs/adr/0021-s3-blobs.md.
 */
public final class S3Objects implements ObjectStorage {
    static final int ATTEMPTS = 4;
    /** S3's smallest part (but the last) is 5 MiB. */
    static final long MIN_PART = 5L * 1024 * 1024;
    private static final String PREFIX = "blobs/";

    private final S3Settings settings;
    private final Path tmp;
    private final long multipartThreshold;
    private final long partSize;
    private final S3Client client;

    private S3Objects(S3Settings settings, Path tmp, long multipartThreshold, long partSize) {
        this.settings = settings;
        this.tmp = tmp;
        this.multipartThreshold = multipartThreshold;
        this.partSize = partSize;
        client = S3Client.builder()
                .endpointOverride(settings.endpoint())
                .region(Region.of(settings.region()))
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(settings.accessKey(), settings.secretKey())))
                .forcePathStyle(settings.pathStyle())
                .httpClient(UrlConnectionHttpClient.builder()
                        .connectionTimeout(Duration.ofSeconds(10))
                        .socketTimeout(Duration.ofSeconds(60))
                        .build())
                .overrideConfiguration(o -> o
                        .retryStrategy(AwsRetryStrategy.standardRetryStrategy().toBuilder().maxAttempts(ATTEMPTS).build())
                        .apiCallAttemptTimeout(Duration.ofMinutes(5)))
                // Checksums only where S3 requires them: many S3-compatible servers reject the newer
                // aws-chunked trailers. Content integrity in transit rides on TLS (or SigV4's signed payload on http).
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .build();
    }

    /**
     * Connects and checks that the bucket exists and the keys are accepted, so a wrong setting stops the server at
     * startup with what to fix; temporary files go in {@code tmp} (created if missing).
     */
    public static S3Objects open(S3Settings settings, Path tmp) throws IOException {
        return open(settings, tmp, 16L * 1024 * 1024, 16L * 1024 * 1024);
    }

    /** As {@link #open(S3Settings, Path)}, uploading in parts of {@code partSize} above {@code multipartThreshold}. */
    public static S3Objects open(S3Settings settings, Path tmp, long multipartThreshold, long partSize) throws IOException {
        if (partSize < MIN_PART) throw new IllegalArgumentException("parts must be at least 5 MiB");
        org.tegami.core.PrivateFiles.directories(tmp);
        org.tegami.core.PrivateFiles.restrict(tmp);
        S3Objects s = new S3Objects(settings, tmp, Math.max(multipartThreshold, partSize), partSize);
        try {
            s.call("check bucket", "", () -> s.client.headBucket(b -> b.bucket(settings.bucket())));
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
        return s;
    }

    /** {@code blobs/ab/cdef…}: the rest of the key after its first two digits, so listings come in key order. */
    static String objectKey(String key) {
        if (key.length() < 3 || !key.chars().allMatch(c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
            throw new IllegalArgumentException("not an object key: " + key);
        }
        return PREFIX + key.substring(0, 2) + "/" + key.substring(2);
    }

    /** The key of an object name, or null for names this class did not write. */
    static String key(String objectKey) {
        if (!objectKey.startsWith(PREFIX) || objectKey.length() < PREFIX.length() + 4
                || objectKey.charAt(PREFIX.length() + 2) != '/') {
            return null;
        }
        String key = objectKey.substring(PREFIX.length(), PREFIX.length() + 2) + objectKey.substring(PREFIX.length() + 3);
        return key.chars().allMatch(c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) ? key : null;
    }

    @Override
    public Path tempDirectory() {
        return tmp;
    }

    @Override
    public void put(String key, Path file) throws IOException {
        String name = objectKey(key);
        long size = Files.size(file);
        if (size <= multipartThreshold) {
            call("upload", key, () -> client.putObject(b -> b.bucket(settings.bucket()).key(name).contentLength(size),
                    RequestBody.fromFile(file)));
        } else {
            multipart(key, name, file, size);
        }
        Files.deleteIfExists(file);
    }

    /** Uploads in parts, each streamed from its slice of the file (re-read on a retry); aborted on failure. */
    private void multipart(String key, String name, Path file, long size) throws IOException {
        String upload = call("start multipart upload", key,
                () -> client.createMultipartUpload(b -> b.bucket(settings.bucket()).key(name)).uploadId());
        try {
            List<CompletedPart> parts = new ArrayList<>();
            int number = 1;
            for (long off = 0; off < size; off += partSize, number++) {
                long from = off;
                long len = Math.min(partSize, size - off);
                int n = number;
                String etag = call("upload part " + n, key, () -> client.uploadPart(
                        b -> b.bucket(settings.bucket()).key(name).uploadId(upload).partNumber(n).contentLength(len),
                        RequestBody.fromContentProvider(() -> slice(file, from, len), len, "application/octet-stream"))
                        .eTag());
                parts.add(CompletedPart.builder().partNumber(n).eTag(etag).build());
            }
            call("complete multipart upload", key, () -> client.completeMultipartUpload(b -> b.bucket(settings.bucket())
                    .key(name).uploadId(upload).multipartUpload(m -> m.parts(parts))));
        } catch (IOException | RuntimeException e) {
            try {
                client.abortMultipartUpload(b -> b.bucket(settings.bucket()).key(name).uploadId(upload));
            } catch (SdkException abort) {
                e.addSuppressed(abort); // the bucket's lifecycle rule for incomplete uploads cleans up
            }
            throw e;
        }
    }

    private static InputStream slice(Path file, long from, long len) {
        try {
            FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
            ch.position(from);
            return new java.io.FilterInputStream(Channels.newInputStream(ch)) {
                private long left = len;

                @Override
                public int read() throws IOException {
                    if (left <= 0) return -1;
                    int b = super.read();
                    if (b >= 0) left--;
                    return b;
                }

                @Override
                public int read(byte[] b, int off, int n) throws IOException {
                    if (left <= 0) return -1;
                    int r = super.read(b, off, (int) Math.min(n, left));
                    if (r > 0) left -= r;
                    return r;
                }
            };
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Override
    public InputStream get(String key, long offset, long length) throws IOException {
        String name = objectKey(key);
        if (length == 0) {
            if (size(key) < 0) throw new NoSuchFileException(key);
            return InputStream.nullInputStream();
        }
        // RFC 9110 §14.1.2: bytes=first-last, last inclusive; "first-" to the end
        String range = offset == 0 && length < 0 ? null
                : "bytes=" + offset + "-" + (length < 0 ? "" : Long.toString(offset + length - 1));
        try {
            return call("read", key, () -> client.getObject(GetObjectRequest.builder().bucket(settings.bucket())
                    .key(name).range(range).build()));
        } catch (RangeNotSatisfiable e) {
            // RFC 9110 §15.5.17: the range starts at or past the end; nothing to read
            return InputStream.nullInputStream();
        }
    }

    @Override
    public long size(String key) throws IOException {
        String name = objectKey(key);
        try {
            return call("check", key, () -> client.headObject(b -> b.bucket(settings.bucket()).key(name)).contentLength());
        } catch (NoSuchFileException e) {
            return -1;
        }
    }

    @Override
    public void delete(String key) throws IOException {
        String name = objectKey(key);
        call("delete", key, () -> client.deleteObject(b -> b.bucket(settings.bucket()).key(name)));
    }

    @Override
    public List<String> list(String after, int limit) throws IOException {
        List<String> out = new ArrayList<>();
        // Object names sort as their keys do, so S3's name order is key order.
        String startAfter = after.isEmpty() ? null : after.length() < 2 ? PREFIX + after
                : PREFIX + after.substring(0, 2) + "/" + after.substring(2);
        String token = null;
        while (out.size() < limit) {
            String t = token;
            int want = Math.min(1000, limit - out.size());
            ListObjectsV2Response r = call("list", "", () -> client.listObjectsV2(b -> {
                b.bucket(settings.bucket()).prefix(PREFIX).maxKeys(want);
                if (t != null) b.continuationToken(t);
                else if (startAfter != null) b.startAfter(startAfter);
            }));
            for (S3Object o : r.contents()) {
                String key = key(o.key());
                if (key != null && key.compareTo(after) > 0 && out.size() < limit) out.add(key);
            }
            if (!Boolean.TRUE.equals(r.isTruncated()) || r.nextContinuationToken() == null) break;
            token = r.nextContinuationToken();
        }
        return out;
    }

    /** 416 from a ranged GET. */
    private static final class RangeNotSatisfiable extends IOException {
        RangeNotSatisfiable() {
            super("range not satisfiable");
        }
    }

    /**
     * Runs an S3 request and turns its failures into IOExceptions an operator can act on: a missing key becomes
     * {@link NoSuchFileException}; a missing bucket, refused keys or an unreachable endpoint say which setting
     * of {@code [blobs]} to check.
     */
    private <T> T call(String what, String key, Supplier<T> request) throws IOException {
        try {
            return request.get();
        } catch (NoSuchKeyException e) {
            throw new NoSuchFileException(key);
        } catch (NoSuchBucketException e) {
            throw new IOException(noBucket(), e);
        } catch (S3Exception e) {
            int status = e.statusCode();
            String code = e.awsErrorDetails() == null ? "" : String.valueOf(e.awsErrorDetails().errorCode());
            if (status == 404 && ("NoSuchBucket".equals(code) || key.isEmpty())) throw new IOException(noBucket(), e);
            if (status == 404) throw new NoSuchFileException(key);
            if (status == 416) throw new RangeNotSatisfiable();
            if (status == 403 || status == 401 || code.equals("InvalidAccessKeyId") || code.equals("SignatureDoesNotMatch")) {
                throw new IOException("S3 refused the credentials for " + settings + " (" + status + " " + code + ") on "
                        + what + ": check [blobs] access_key, secret_key and region, and that the key may read and write"
                        + " the bucket", e);
            }
            if (status == 301 || code.equals("PermanentRedirect") || code.equals("AuthorizationHeaderMalformed")) {
                throw new IOException("S3 answered " + status + " " + code + " for " + settings + ": the bucket is in"
                        + " another region or needs another addressing style; check [blobs] region, endpoint and path_style", e);
            }
            throw new IOException("S3 " + what + (key.isEmpty() ? "" : " of " + key) + " failed in " + settings + ": "
                    + status + " " + code + " " + e.awsErrorDetails().errorMessage(), e);
        } catch (AwsServiceException e) {
            throw new IOException("S3 " + what + " failed in " + settings + ": " + e.getMessage(), e);
        } catch (SdkClientException e) {
            Throwable root = e;
            while (root.getCause() != null) root = root.getCause();
            if (root instanceof java.net.ConnectException || root instanceof java.net.UnknownHostException
                    || root instanceof java.net.SocketTimeoutException || root instanceof java.net.NoRouteToHostException) {
                throw new IOException("cannot reach the S3 endpoint " + settings.endpoint() + " (" + root + ") on " + what
                        + ": check [blobs] endpoint and that the server runs and is reachable from here", e);
            }
            if (root instanceof IOException io && root != e) throw new IOException("S3 " + what + " failed in " + settings + ": " + io, e);
            throw new IOException("S3 " + what + " failed in " + settings + ": " + e.getMessage(), e);
        } catch (java.io.UncheckedIOException e) {
            throw e.getCause();
        }
    }

    private String noBucket() {
        return "the S3 bucket \"" + settings.bucket() + "\" does not exist at " + settings.endpoint()
                + ": create it (e.g. `aws s3 mb s3://" + settings.bucket() + "` or `mc mb`) or fix [blobs] bucket"
                + (settings.pathStyle() ? "" : " (or set path_style = true if the server wants path-style addressing)");
    }

    @Override
    public void close() {
        client.close();
    }

    @Override
    public String toString() {
        return settings.toString();
    }
}
