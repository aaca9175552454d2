package org.tegami.objects.s3;

import java.net.URI;

/**
 * Where blobs go in S3 ({@code [blobs] kind = "s3"}).
 *
 * @param endpoint  the S3 API's base URL, e.g. {@code https://s3.eu-west-1.amazonaws.com} or a MinIO/Garage server
 * @param bucket    an existing bucket
 * @param region    the bucket's region (signing needs it; most S3-compatible servers take {@code us-east-1})
 * @param accessKey the access key id
 * @param secretKey the secret; never logged ({@link #toString()} leaves it out)
 * @param pathStyle {@code http://host/bucket/key} rather than {@code http://bucket.host/key} (MinIO, most
 *                  self-hosted servers)
 */
public record S3Settings(URI endpoint, String bucket, String region, String accessKey, String secretKey, boolean pathStyle) {
    @Override
    public String toString() {
        return "s3 bucket \"" + bucket + "\" at " + endpoint + " (region " + region + (pathStyle ? ", path-style" : "") + ")";
    }
}
