package io.istziio.client.cli;

import java.net.URI;
import java.time.Duration;
import picocli.CommandLine.Option;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;

/**
 * How a command reaches S3 itself (gen-data writing there, replay's no-cache baseline reading
 * there). The same flags and variables as the node; credentials from the AWS default chain.
 * The client is built as the node builds its own (flight-server's {@code store.S3Clients}); the
 * few lines are repeated so the node does not depend on the CLI nor the client library on the SDK.
 */
final class S3Options {

  @Option(names = "--s3-endpoint", defaultValue = "${env:ISTZIIO_S3_ENDPOINT}",
      description = "S3-compatible endpoint (env ISTZIIO_S3_ENDPOINT). Default: AWS.")
  URI endpoint;

  @Option(names = "--s3-region", defaultValue = "${env:ISTZIIO_S3_REGION:-us-east-1}",
      description = "S3 signing region (env ISTZIIO_S3_REGION). Default: ${DEFAULT-VALUE}.")
  String region;

  @Option(names = "--s3-path-style", defaultValue = "${env:ISTZIIO_S3_PATH_STYLE:-false}",
      fallbackValue = "true", arity = "0..1",
      description = "Path-style bucket addressing (env ISTZIIO_S3_PATH_STYLE). Default: ${DEFAULT-VALUE}.")
  boolean pathStyle;

  /** A new client, to be closed by the caller. */
  S3Client client() {
    S3ClientBuilder builder = S3Client.builder()
        .credentialsProvider(DefaultCredentialsProvider.builder().build())
        .region(Region.of(region))
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
    return builder.build();
  }
}
