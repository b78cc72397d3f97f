package io.istziio.server.store;

import java.net.URI;
import java.time.Duration;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;

/**
 * How the node makes its S3 client: credentials from the AWS default chain (never from flags), any
 * S3-compatible endpoint. The CLI builds its own the same way (istziio-cli's {@code S3Options}):
 * sharing these few lines would make the node depend on the CLI or the client library on the AWS
 * SDK.
 */
final class S3Clients {

  private S3Clients() {}

  /**
   * @param endpoint an S3-compatible endpoint such as {@code http://127.0.0.1:9000}; null for AWS
   * @param region the signing region; null for the AWS default chain, else us-east-1
   * @param pathStyle address buckets as {@code endpoint/bucket/key} rather than virtual hosts
   * @return a builder the caller may add to (interceptors) before building
   */
  static S3ClientBuilder builder(URI endpoint, String region, boolean pathStyle) {
    S3ClientBuilder builder = S3Client.builder()
        .credentialsProvider(DefaultCredentialsProvider.builder().build())
        .region(Region.of(region != null ? region : defaultRegion()))
        .forcePathStyle(pathStyle)
        // S3-compatible servers do not all know the newer flexible checksums.
        .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
        .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
        .httpClientBuilder(ApacheHttpClient.builder()
            .connectionTimeout(Duration.ofSeconds(3))
            .socketTimeout(Duration.ofSeconds(30))
            .maxConnections(64));
    if (endpoint != null) {
      builder.endpointOverride(endpoint);
    }
    return builder;
  }

  private static String defaultRegion() {
    try {
      return DefaultAwsRegionProviderChain.builder().build().getRegion().id();
    } catch (SdkClientException e) {
      return "us-east-1";
    }
  }
}
