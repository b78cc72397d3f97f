package io.istziio.server;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.istziio.client.data.SampleData;
import io.istziio.client.protocol.Actions;
import io.istziio.client.protocol.RingState;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.arrow.flight.Action;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.Location;
import org.apache.arrow.flight.Result;
import org.apache.arrow.vector.types.pojo.Field;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParameterException;

/**
 * Where istziio-node's options come from: flags beat environment variables, which beat the
 * config file (--config or ISTZIIO_CONFIG), which beats the defaults; a file's mistakes are
 * reported with the key or path to fix; and a node started from a config file alone serves.
 */
class NodeConfigFileTest extends NodeTestBase {

  private Path file(String... lines) throws Exception {
    Path file = Files.createTempFile(tmp, "node", ".properties");
    Files.write(file, List.of(lines), UTF_8);
    return file;
  }

  private static NodeMain parse(Map<String, String> environment, String... args) {
    CommandLine commandLine = NodeMain.commandLine(environment);
    commandLine.parseArgs(args);
    return commandLine.getCommand();
  }

  @Test
  void flagsBeatTheEnvironmentWhichBeatsTheFileWhichBeatsTheDefaults() throws Exception {
    Path file = file("# a comment", "port=1111", "id=file-id", "cache-size=1GiB",
        "cluster=file-cluster", "s3-path-style=true", "memory-size=", "  weight = 3  ",
        "members=a=grpc+tcp://h:1,b=grpc+tcp://h:2");
    Map<String, String> environment = Map.of("ISTZIIO_CONFIG", file.toString(),
        "ISTZIIO_PORT", "2222", "ISTZIIO_NODE_ID", "env-id");

    NodeMain all = parse(environment, "--port", "3333");
    assertEquals(3333, all.port, "the flag beats the environment and the file");
    assertEquals("env-id", all.id, "the environment beats the file");
    assertEquals(1L << 30, all.cacheBytes, "the file beats the default");
    assertEquals("file-cluster", all.cluster);
    assertTrue(all.s3PathStyle);
    assertEquals(3, all.weight, "spaces around a value are ignored");
    assertEquals(List.of("a=grpc+tcp://h:1", "b=grpc+tcp://h:2"), all.members);
    assertNull(all.memoryBytes, "an empty value leaves the default");
    assertEquals(32_768, all.batchRows, "the default of what nothing sets");
    assertEquals("127.0.0.1", all.host);

    assertEquals(2222, parse(environment).port, "the environment beats the file");
    assertEquals(1111, parse(Map.of("ISTZIIO_CONFIG", file.toString())).port, "the file");
    assertEquals(1111, parse(Map.of(), "--config", file.toString()).port, "--config names it");
    assertEquals(8815, parse(Map.of()).port, "the default");
    assertEquals(Path.of("istziio-cache"), parse(Map.of()).cacheDir);

    Path other = file("port=4444");
    assertEquals(4444, parse(Map.of("ISTZIIO_CONFIG", file.toString()),
        "--config", other.toString()).port, "--config beats ISTZIIO_CONFIG");
  }

  @Test
  void anUnknownKeyIsNamedWithTheNearestValidOne() throws Exception {
    Path file = file("cache-sise=1GiB", "port=1");
    ParameterException e = assertThrows(ParameterException.class,
        () -> parse(Map.of(), "--config", file.toString()));
    assertTrue(e.getMessage().contains("unknown key 'cache-sise' (did you mean 'cache-size'?)"),
        e.getMessage());
    assertTrue(e.getMessage().contains(file.toString()), e.getMessage());

    Path two = file("prot=1", "s3_endpoint=http://x");
    String message = assertThrows(ParameterException.class,
        () -> parse(Map.of("ISTZIIO_CONFIG", two.toString()))).getMessage();
    assertTrue(message.contains("'prot' (did you mean 'port'?)"), message);
    assertTrue(message.contains("'s3_endpoint' (did you mean 's3-endpoint'?)"), message);

    Path nested = file("config=/etc/other.properties");
    assertTrue(assertThrows(ParameterException.class,
        () -> parse(Map.of(), "--config", nested.toString())).getMessage()
        .contains("sets 'config'"));
  }

  @Test
  void aFileThatCannotBeReadIsNamed() {
    Path missing = tmp.resolve("missing.properties");
    ParameterException e = assertThrows(ParameterException.class,
        () -> parse(Map.of("ISTZIIO_CONFIG", missing.toString())));
    assertEquals("cannot read the config file " + missing + ": no such file", e.getMessage());

    e = assertThrows(ParameterException.class, () -> parse(Map.of(), "--config", tmp.toString()));
    assertTrue(e.getMessage().startsWith("cannot read the config file " + tmp + ": "),
        e.getMessage());
  }

  @Test
  void aBadValueSaysWhereItCameFrom() throws Exception {
    Path file = file("port=eighty");
    StringWriter err = new StringWriter();
    CommandLine commandLine = NodeMain.commandLine(Map.of("ISTZIIO_CONFIG", file.toString()));
    commandLine.setErr(new PrintWriter(err));
    assertEquals(2, commandLine.execute());
    assertTrue(err.toString().startsWith("istziio-node: Invalid value for option '--port': "
        + "'eighty' is not an int (from the config file " + file + ")"), err.toString());

    err.getBuffer().setLength(0);
    commandLine = NodeMain.commandLine(Map.of("ISTZIIO_MAX_STREAMS", "many"));
    commandLine.setErr(new PrintWriter(err));
    assertEquals(2, commandLine.execute());
    assertTrue(err.toString().contains("(from the environment variable ISTZIIO_MAX_STREAMS)"),
        err.toString());
  }

  @Test
  void helpShowsTheConfigFileAndEveryOptionNamesItsVariable() {
    CommandLine commandLine = NodeMain.commandLine(Map.of());
    String usage = commandLine.getUsageMessage(CommandLine.Help.Ansi.OFF);
    assertTrue(usage.contains("--config=FILE"), usage);
    assertTrue(usage.contains("ISTZIIO_CONFIG"), usage);
    // NodeDefaults derives each variable from the option's name; the help must say the same.
    NodeDefaults defaults = (NodeDefaults) commandLine.getDefaultValueProvider();
    for (OptionSpec option : commandLine.getCommandSpec().options()) {
      if (!option.usageHelp() && !option.versionHelp()) {
        String variable = defaults.variable(NodeDefaults.key(option));
        assertTrue(String.join(" ", option.description()).contains("(env " + variable + ")"),
            option.longestName() + " does not name " + variable);
      }
    }
  }

  @Test
  void theSampleFileListsEveryKeyWithItsDefaultAndVariable() throws Exception {
    // surefire runs in the module's directory
    List<String> sample = Files.readAllLines(Path.of("..", "scripts", "istziio-node.properties"));
    Pattern entry = Pattern.compile("^#([a-z0-9-]+)=(.*)$");
    List<String> uncommented = new ArrayList<>();
    Map<String, String> variables = new HashMap<>(); // key -> the comment line above it
    for (int i = 0; i < sample.size(); i++) {
      Matcher matched = entry.matcher(sample.get(i));
      if (matched.matches()) {
        uncommented.add(sample.get(i).substring(1));
        variables.put(matched.group(1), i > 0 ? sample.get(i - 1) : "");
      }
    }
    CommandLine defaults = NodeMain.commandLine(Map.of());
    defaults.parseArgs();
    CommandLine fromSample = NodeMain.commandLine(Map.of());
    fromSample.parseArgs("--config", file(uncommented.toArray(String[]::new)).toString());
    NodeDefaults provider = (NodeDefaults) defaults.getDefaultValueProvider();
    for (OptionSpec option : defaults.getCommandSpec().options()) {
      String key = NodeDefaults.key(option);
      if (option.usageHelp() || option.versionHelp() || key.equals(NodeDefaults.CONFIG)) {
        continue;
      }
      assertTrue(variables.containsKey(key), "scripts/istziio-node.properties lacks " + key);
      assertTrue(variables.get(key).contains("(" + provider.variable(key)),
          key + "'s comment names " + provider.variable(key));
      assertEquals((Object) option.getValue(),
          fromSample.getCommandSpec().findOption(option.longestName()).getValue(),
          "the sample's " + key + " is its default");
    }
    assertEquals(variables.size(), defaults.getCommandSpec().options().size() - 3,
        "every key of the sample is an option's (all but help, version and config)");
  }

  @Test
  void aNodeStartedFromAConfigFileAloneServes() throws Exception {
    String path = putSample("config/sample.parquet");
    Path file = file("id=from-file", "host=127.0.0.1", "port=0", "metrics-port=0",
        "cache-dir=" + tmp.resolve("cache"), "cache-size=64MiB", "memory-size=0",
        "s3-endpoint=" + s3.config().endpoint(), "s3-region=us-east-1", "s3-path-style=true");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder builder = new ProcessBuilder(java,
        "--add-opens=java.base/java.nio=ALL-UNNAMED", "-Xmx512m",
        "-cp", System.getProperty("java.class.path"), NodeMain.class.getName(),
        "--config", file.toString())
        .redirectError(tmp.resolve("node.log").toFile());
    Map<String, String> environment = builder.environment();
    environment.keySet().removeIf(name -> name.startsWith("ISTZIIO_")); // the file alone
    environment.put("AWS_ACCESS_KEY_ID", S3Server.ACCESS_KEY);
    environment.put("AWS_SECRET_ACCESS_KEY", S3Server.SECRET_KEY);
    Process node = builder.start();
    try {
      // Read on another thread, so that a node that neither starts nor exits fails the test
      // (the finally block ends it) instead of hanging it.
      CompletableFuture<Matcher> started = CompletableFuture.supplyAsync(() -> serving(node));
      Matcher matched = started.get(120, TimeUnit.SECONDS);
      assertNotNull(matched, () -> "the node did not start: " + log());
      assertEquals("from-file", matched.group(1));

      FlightClient client = track(FlightClient.builder(clientAllocator(),
          new Location(matched.group(2))).build());
      assertSampleRows(read(client, path).rows(),
          SampleData.SCHEMA.getFields().stream().map(Field::getName).toList());
      Iterator<Result> ring = client.doAction(new Action(Actions.RING));
      RingState state = RingState.fromJson(ring.next().getBody());
      ring.forEachRemaining(r -> { });
      assertEquals("from-file", state.node());
      assertEquals(1, s3.gets("config/sample.parquet"), "read from the file's S3");
    } finally {
      node.destroy(); // SIGTERM: the node's shutdown hook closes it
      if (!node.waitFor(60, TimeUnit.SECONDS)) {
        node.destroyForcibly().waitFor();
      }
    }
    assertTrue(log().contains("node from-file stopped"), this::log);
  }

  /** The node's "serving at" line, matched; null if it exits first. */
  private static Matcher serving(Process node) {
    Pattern serving = Pattern.compile("istziio node (\\S+) serving at (\\S+)");
    try (BufferedReader out = new BufferedReader(new InputStreamReader(node.getInputStream(),
        UTF_8))) {
      for (String line = out.readLine(); line != null; line = out.readLine()) {
        Matcher matched = serving.matcher(line);
        if (matched.find()) {
          return matched;
        }
      }
      return null;
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private String log() {
    try {
      return Files.readString(tmp.resolve("node.log"));
    } catch (Exception e) {
      return "(no log: " + e + ")";
    }
  }
}
