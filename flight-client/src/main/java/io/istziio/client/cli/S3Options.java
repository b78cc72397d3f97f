package io.istziio.client.cli;

import io.istziio.client.S3Clients;
import java.net.URI;
import picocli.CommandLine.Option;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * How a command reaches S3 itself (gen-data writing there, replay's no-cache baseline reading
 * there). The same flags and variables as the node; credentials from the AWS default chain.
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

  S3Client client() {
    return S3Clients.create(endpoint, region, pathStyle);
  }
}
