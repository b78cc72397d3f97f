package io.istziio.client;

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
 * The one way istziio makes an S3 client, for the node and the CLI alike: credentials from the
 * AWS default chain (never from flags), any S3-compatible endpoint.
 */
public final class S3Clients {

  private S3Clients() {}

  /**
   * @param endpoint an S3-compatible endpoint such as {@code http://127.0.0.1:9000}; null for AWS
   * @param region the signing region; null for the AWS default chain, else us-east-1
   * @param pathStyle address buckets as {@code endpoint/bucket/key} rather than virtual hosts
   */
  public static S3Client create(URI endpoint, String region, boolean pathStyle) {
    return builder(endpoint, region, pathStyle).build();
  }

  /** The builder behind {@link #create}, for a caller that adds to its configuration. */
  public static S3ClientBuilder builder(URI endpoint, String region, boolean pathStyle) {
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
