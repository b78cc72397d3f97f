package io.istziio.client.cli;

import io.istziio.client.IstziioClient;
import io.istziio.client.protocol.ReadTicket;
import java.util.concurrent.Callable;
import org.apache.arrow.vector.types.pojo.Schema;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** The columns of one object. */
@Command(name = "schema", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Prints the schema of PATH, one column a line: name: type, with \"not null\" "
        + "where the column has no nulls by definition. Names that are not plain identifiers are "
        + "double-quoted, as the filter language writes them.")
final class SchemaCommand implements Callable<Integer> {

  @Parameters(paramLabel = "PATH", description = "The object: s3://bucket/key or file:///path.")
  String path;

  @Mixin ClusterOptions cluster;

  @Override
  public Integer call() throws Exception {
    Schema schema;
    try (IstziioClient client = cluster.connect()) {
      schema = client.info(ReadTicket.of(path)).getSchemaOptional()
          .orElseThrow(() -> new IllegalStateException("the node sent no schema for " + path));
    }
    TypeNames.lines(schema).forEach(System.out::println);
    return 0;
  }
}
