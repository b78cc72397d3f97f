package io.istziio.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.istziio.client.data.SampleData;
import io.istziio.client.protocol.Actions;
import io.istziio.client.protocol.ReadTicket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.apache.arrow.flight.Action;
import org.apache.arrow.flight.CallOptions;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightDescriptor;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.FlightStatusCode;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.flight.Result;
import org.apache.arrow.flight.Ticket;
import org.junit.jupiter.api.Test;

/**
 * Thousands of generated malformed or hostile requests through a real Flight client: whatever they
 * hold, the node answers each with a status that is neither INTERNAL nor UNKNOWN, with a short
 * message that names no Java class, within a deadline, and keeps serving. The seed is printed;
 * rerun one with {@code -Distziio.fuzz.seed=N} (and {@code -Distziio.fuzz.requests=N}).
 */
class NodeFuzzTest extends NodeTestBase {

  private static final long SEED = Long.getLong("istziio.fuzz.seed", 20_261_130L);
  private static final int REQUESTS = Integer.getInteger("istziio.fuzz.requests", 2_400);
  private static final boolean LOG_STATUSES = Boolean.getBoolean("istziio.fuzz.log");
  private static final org.apache.arrow.flight.CallOption DEADLINE = CallOptions.timeout(30, TimeUnit.SECONDS);
  private static final Pattern JAVA_NAME = Pattern.compile(
      "\\b(java|javax|org\\.apache|io\\.netty|io\\.grpc|com\\.fasterxml|software\\.amazon)\\.[a-z]+\\."
          + "|[A-Z]\\w+(Exception|Error)\\b|\tat |`[A-Z]\\w*\\.\\w+|\\[Source: ");
  private static final List<String> COLUMNS =
      List.of("id", "small", "score", "name", "flag", "day", "ts", "unit price");
  /** Small files: the fuzz is about statuses, and a valid request reads one to the end. */
  private static final int FUZZ_ROWS = 3_000;

  private enum Call { GET, INFO, SCHEMA, ACTION }

  private record Request(String kind, Call call, byte[] body, FlightDescriptor descriptor, String action) {
    String describe() {
      String what = switch (call) {
        case GET, INFO, SCHEMA -> descriptor != null && !descriptor.isCommand()
            ? "path" + descriptor.getPath() : new String(body, StandardCharsets.UTF_8);
        case ACTION -> action + " " + new String(body, StandardCharsets.UTF_8);
      };
      what = what.length() > 160 ? what.substring(0, 160) + "...(" + what.length() + " chars)" : what;
      return kind + " via " + call + ": " + what.replaceAll("[\\p{Cntrl}]", "?");
    }
  }

  private Random random;
  private final List<String> goodPaths = new ArrayList<>();
  private Path root;

  @Test
  void hostileRequestsGetShortClientStatusesAndTheNodeKeepsServing() throws Exception {
    System.out.println("NodeFuzzTest seed " + SEED + " (-Distziio.fuzz.seed), requests " + REQUESTS);
    random = new Random(SEED);
    Path small = tmp.resolve("small.parquet");
    SampleData.write(small, FUZZ_ROWS, 1_000);
    s3.put(BUCKET, "fuzz/a.parquet", small);
    s3.put(BUCKET, "fuzz/b c.parquet", small);
    s3.put(BUCKET, "fuzz/text.parquet", "not parquet".getBytes(StandardCharsets.UTF_8));
    root = Files.createDirectories(tmp.resolve("root"));
    Files.copy(small, root.resolve("local.parquet"));
    Files.writeString(tmp.resolve("secret.parquet"), "outside the root");
    goodPaths.addAll(List.of("s3://" + BUCKET + "/fuzz/a.parquet", "s3://" + BUCKET + "/fuzz/b c.parquet",
        root.resolve("local.parquet").toUri().toString()));

    Node node = start(config(64 << 20).withMemoryBytes(128 << 20).withLocalRoot(root));
    FlightClient client = connect(node);

    Map<String, Integer> counts = new LinkedHashMap<>();
    List<String> examples = new ArrayList<>();
    Map<FlightStatusCode, Integer> statuses = new java.util.EnumMap<>(FlightStatusCode.class);
    List<String> firstOf = new ArrayList<>(); // a few requests of each uncommon status, to review
    long started = System.nanoTime();
    for (int i = 0; i < REQUESTS; i++) {
      if (i % 500 == 0) {
        assertStillServes(client, "before request " + i);
      }
      Request request = next();
      FlightStatusCode code = FlightStatusCode.OK;
      String violation = null;
      try {
        send(client, request);
      } catch (FlightRuntimeException e) {
        code = e.status().code();
        violation = judge(e);
        if (LOG_STATUSES) { // -Distziio.fuzz.log=true: every status, to review messages by eye
          System.out.println("FUZZ " + code + " " + e.status().description() + " <- " + request.describe());
        }
      } catch (Exception e) {
        violation = "client-side " + e.getClass().getSimpleName();
      }
      if (code == FlightStatusCode.OK && request.kind().startsWith("path")) {
        violation = "accepted: a hostile path was read"; // every path() makes names no readable object
      }
      if (statuses.merge(code, 1, Integer::sum) <= (code == FlightStatusCode.INVALID_ARGUMENT ? 0 : 3)) {
        firstOf.add(code + " <- " + request.describe());
      }
      if (violation != null) {
        String kind = violation.split(":", 2)[0];
        counts.merge(kind, 1, Integer::sum);
        if (examples.size() < 20) {
          examples.add(violation + "\n      <- " + request.describe());
        }
      }
    }
    assertStillServes(client, "after all requests");
    System.out.printf("NodeFuzzTest: %d requests in %d ms, statuses %s%n", REQUESTS,
        (System.nanoTime() - started) / 1_000_000, statuses);
    firstOf.forEach(line -> System.out.println("  " + line));
    var memory = stats(client).memory(); // the memory tier should have served some of them
    System.out.printf("NodeFuzzTest: memory tier hits %d, entries %d%n", memory.hits(), memory.entries());
    if (!counts.isEmpty()) {
      throw new AssertionError("seed " + SEED + ": violations by kind " + counts + "\n  "
          + String.join("\n  ", examples));
    }
  }

  /** The violation that {@code e} is, or null if its status is one a client can act on. */
  private static String judge(FlightRuntimeException e) {
    FlightStatusCode code = e.status().code();
    String message = e.status().description() == null ? "" : e.status().description();
    String shown = message.length() > 200 ? message.substring(0, 200) + "..." : message;
    if (code == FlightStatusCode.INTERNAL || code == FlightStatusCode.UNKNOWN) {
      return code + ": " + shown;
    }
    // S3 and the disk are healthy throughout: these would send a client to retry, or to fix
    // credentials, for a request that only its own input breaks.
    if (code == FlightStatusCode.UNAVAILABLE || code == FlightStatusCode.UNAUTHENTICATED
        || code == FlightStatusCode.UNAUTHORIZED) {
      return "wrong status " + code + ": " + shown;
    }
    if (code == FlightStatusCode.TIMED_OUT) {
      return "TIMED_OUT (a hang): " + shown;
    }
    if (message.getBytes(StandardCharsets.UTF_8).length > Errors.MAX_MESSAGE_BYTES) {
      return "long message: " + message.getBytes(StandardCharsets.UTF_8).length + " bytes: " + shown;
    }
    if (JAVA_NAME.matcher(message).find()) {
      return "java name: " + code + " " + shown;
    }
    return null;
  }

  private static void send(FlightClient client, Request request) throws Exception {
    switch (request.call()) {
      case GET -> {
        try (FlightStream stream = client.getStream(new Ticket(request.body()), DEADLINE)) {
          while (stream.next()) {
            // drained fully; an error arrives from next()
          }
        }
      }
      case INFO -> client.getInfo(request.descriptor(), DEADLINE);
      case SCHEMA -> client.getSchema(request.descriptor(), DEADLINE);
      case ACTION -> {
        Iterator<Result> results = client.doAction(new Action(request.action(), request.body()), DEADLINE);
        results.forEachRemaining(r -> { });
      }
    }
  }

  private void assertStillServes(FlightClient client, String when) throws Exception {
    for (String path : goodPaths) {
      FlightReads.Result result = FlightReads.read(client, ReadTicket.of(path).withColumns(List.of("id")));
      assertEquals(FUZZ_ROWS, result.rows().size(), () -> path + " " + when);
    }
  }

  // --- generators ---

  private Request next() {
    int pick = random.nextInt(100);
    if (pick < 8) {
      return descriptorRequest();
    }
    if (pick < 16) {
      return actionRequest();
    }
    String kind;
    String json;
    if (pick < 30) {
      kind = "ticket json";
      json = mutatedJson();
    } else if (pick < 45) {
      kind = "path";
      json = ticket(quote(hostilePath()), null, null, null);
    } else if (pick < 58) {
      kind = "columns";
      json = ticket(quote(goodPath()), hostileColumns(), null, null);
    } else if (pick < 90) {
      kind = "filter";
      json = ticket(quote(goodPath()), random.nextInt(4) == 0 ? hostileColumns() : null,
          quote(filterSoup()), null);
    } else {
      kind = "substrait";
      json = ticket(quote(goodPath()), null, null, quote(randomBase64()));
    }
    byte[] body = json.getBytes(StandardCharsets.UTF_8);
    if (random.nextInt(20) == 0) {
      kind += "+bad utf8";
      body = withInvalidUtf8(body);
    }
    Call call = switch (random.nextInt(4)) {
      case 0, 1 -> Call.GET;
      case 2 -> Call.INFO;
      default -> Call.SCHEMA;
    };
    return new Request(kind, call, body, call == Call.GET ? null : FlightDescriptor.command(body), null);
  }

  private static String ticket(String path, String columns, String filter, String substrait) {
    StringBuilder json = new StringBuilder("{");
    if (path != null) {
      json.append("\"path\": ").append(path);
    }
    if (columns != null) {
      json.append(json.length() > 1 ? ", " : "").append("\"columns\": ").append(columns);
    }
    if (filter != null) {
      json.append(json.length() > 1 ? ", " : "").append("\"filter\": ").append(filter);
    }
    if (substrait != null) {
      json.append(json.length() > 1 ? ", " : "").append("\"substrait\": ").append(substrait);
    }
    return json.append("}").toString();
  }

  private String goodPath() {
    return goodPaths.get(random.nextInt(goodPaths.size()));
  }

  private String mutatedJson() {
    String base = ticket(quote(goodPath()), "[\"id\", \"name\"]", quote("id > 5"), null);
    String[] wrongTypes = {"1", "-2.5e300", "true", "null", "[]", "{}", "[1, 2]", "[null]", "{\"a\": 1}",
        "\"\"", "[\"id\", 3]", "1e999999", "123456789012345678901234567890"};
    return switch (random.nextInt(12)) {
      case 0 -> base.substring(0, random.nextInt(base.length()));
      case 1 -> ticket(wrongTypes[random.nextInt(wrongTypes.length)], null, null, null);
      case 2 -> ticket(quote(goodPath()), wrongTypes[random.nextInt(wrongTypes.length)], null, null);
      case 3 -> ticket(quote(goodPath()), null, wrongTypes[random.nextInt(wrongTypes.length)], null);
      case 4 -> ticket(quote(goodPath()), null, null, wrongTypes[random.nextInt(wrongTypes.length)]);
      case 5 -> "{\"path\": " + quote(goodPath()) + ", " + quote(randomString(1 + random.nextInt(40)))
          + ": " + wrongTypes[random.nextInt(wrongTypes.length)] + "}";
      case 6 -> ticket(quote(randomString(10 + random.nextInt(30_000))), null, null, null);
      case 7 -> {
        int depth = 1 + random.nextInt(3_000);
        String open = random.nextBoolean() ? "[" : "{\"a\": ";
        String close = open.equals("[") ? "]" : "}";
        String inner = open.repeat(depth) + (open.equals("[") ? "" : "1") + close.repeat(depth);
        yield random.nextBoolean() ? inner : ticket(quote(goodPath()), inner, null, null);
      }
      case 8 -> random.nextBoolean() ? "" : random.nextBoolean() ? " " : "null";
      case 9 -> base.replace("\"path\"", "\"path\": 1, \"path\"");
      case 10 -> new String[] {"[]", "\"s3://data/fuzz/a.parquet\"", "42", "{", "}", "{\"path\"}",
          "{'path': 'x'}", "{\"path\": \"s3://data/fuzz/a.parquet\"} trailing"}[random.nextInt(8)];
      default -> base + randomString(random.nextInt(5));
    };
  }

  private String hostilePath() {
    // Not "" or "fuzz/": a prefix names a dataset now (DatasetTest), which GetFlightInfo answers.
    String[] keys = {"..", "../fuzz/a.parquet", "%2e%2e/%2e%2e/etc/passwd", "a%00b.parquet", "%00",
        "fuzz/a.parquet%00", "k".repeat(2_000) + ".parquet", "ünï/cödé/日本.parquet", "😀.parquet",
        "fuzz//a.parquet", "fuzz/a.parquet?x=1", "fuzz/a.parquet#frag", "%", "%zz", "a b^",
        "fuzz/text.parquet", "missing.parquet", "/", "\\..\\x", "%2F%2F", randomString(1 + random.nextInt(300))};
    String[] buckets = {BUCKET, "", "..", "%2e%2e", "UPPER", "a", "x".repeat(300), "bad_bucket",
        "127.0.0.1", "no-such-bucket", "a..b", "-dash", "ünï", "data:80", "user@data", "%00"};
    return switch (random.nextInt(8)) {
      case 0, 1, 2 -> "s3://" + buckets[random.nextInt(buckets.length)] + "/" + keys[random.nextInt(keys.length)];
      case 3 -> "s3://" + buckets[random.nextInt(buckets.length)];
      case 4 -> new String[] {"file:///etc/passwd", "file:///", "file:" + root.getParent() + "/secret.parquet",
          root.toUri() + "../secret.parquet", root.toUri() + "%2e%2e/secret.parquet",
          root.toUri() + "local.parquet%00", root.toUri().toString(), root.toUri() + "missing.parquet",
          "file://host/etc/passwd", "file:relative.parquet", root.toUri() + "k".repeat(2_000),
          "file:///proc/self/mem", "file:///dev/zero"}[random.nextInt(13)];
      case 5 -> new String[] {"http://example.com/a.parquet", "https://x/y", "ftp://a/b", "gs://b/k",
          "hdfs:///x", "jar:file:/x!/y", "mailto:a@b", "data:,x", "S3://data/fuzz/a.parquet",
          "s3:data/fuzz/a.parquet", "s3:/data/fuzz/a.parquet", "//data/x", "relative/path.parquet",
          "s3://", ":", "s3://data/fuzz/a.parquet\n"}[random.nextInt(16)];
      case 6 -> randomString(1 + random.nextInt(2_000));
      default -> goodPath() + new String[] {"%00", "/..", "?", "#", "%2e", "/", " "}[random.nextInt(7)];
    };
  }

  private String hostileColumns() {
    List<String> names = new ArrayList<>();
    int n = random.nextInt(6);
    for (int i = 0; i < n; i++) {
      names.add(switch (random.nextInt(8)) {
        case 0, 1 -> quote(COLUMNS.get(random.nextInt(COLUMNS.size())));
        case 2 -> quote("nope" + random.nextInt(5));
        case 3 -> "null";
        case 4 -> quote("c".repeat(random.nextInt(30_000)));
        case 5 -> quote(randomString(random.nextInt(20)));
        case 6 -> quote("id"); // duplicates likely
        default -> quote("\"name\"'");
      });
    }
    return "[" + String.join(", ", names) + "]";
  }

  private static final String[] FILTER_TOKENS = {"AND", "OR", "NOT", "(", ")", "(", ")", "=", "!=", "<>", "<",
      "<=", ">", ">=", "IN", "BETWEEN", "IS", "NULL", "TRUE", "FALSE", "DATE", "TIMESTAMP", ",", "-",
      "'2024-01-01'", "'2024-02-30'", "'2024-01-01 12:00:00.123456789'", "'x'", "''", "'it''s'", "'",
      "0", "1", "-1", "3.5", "1e308", "1e999", "9223372036854775808", "-9223372036854775809",
      "0.000000000000000000000000000000000000001", "12345678901234567890123456789012345678901.5", "NaN",
      "\"unit price\"", "\"", "\"\"", "\"a\"\"b\"", "\"id", "'unterminated", "@", ";", "--", "/*",
      "\u0000", "é", "😀"};

  private String filterSoup() {
    switch (random.nextInt(10)) {
      case 0 -> { // huge IN list near and over the limit
        int n = 990 + random.nextInt(30);
        StringBuilder in = new StringBuilder(column() + (random.nextBoolean() ? " NOT" : "") + " IN (");
        for (int i = 0; i < n; i++) {
          in.append(i == 0 ? "" : ", ").append(literal());
        }
        return in.append(")").toString();
      }
      case 1 -> { // deep NOT / paren nesting
        int depth = 150 + random.nextInt(5_000);
        String unit = random.nextBoolean() ? "NOT " : "(";
        String tail = unit.equals("(") ? ")".repeat(random.nextInt(3) == 0 ? depth - 1 : depth) : "";
        return unit.repeat(depth) + column() + " > 1" + tail;
      }
      case 2, 3 -> { // comparisons across types
        String[] ops = {"=", "!=", "<", ">=", "<>"};
        StringBuilder f = new StringBuilder();
        int n = 1 + random.nextInt(4);
        for (int i = 0; i < n; i++) {
          f.append(i == 0 ? "" : random.nextBoolean() ? " AND " : " OR ");
          f.append(switch (random.nextInt(6)) {
            case 0 -> column() + " " + ops[random.nextInt(ops.length)] + " " + literal();
            case 1 -> literal() + " " + ops[random.nextInt(ops.length)] + " " + column();
            case 2 -> column() + " " + ops[random.nextInt(ops.length)] + " " + column();
            case 3 -> column() + (random.nextBoolean() ? " NOT" : "") + " BETWEEN " + literal() + " AND " + literal();
            case 4 -> column() + " IS " + (random.nextBoolean() ? "NOT " : "") + "NULL";
            default -> literal() + " " + ops[random.nextInt(ops.length)] + " " + literal();
          });
        }
        return f.toString();
      }
      case 4 -> {
        return "\"" + "q\"\"".repeat(random.nextInt(3_000)) + "\" = 1";
      }
      default -> { // token soup
        StringBuilder f = new StringBuilder();
        int n = 1 + random.nextInt(random.nextInt(10) == 0 ? 3_000 : 25);
        for (int i = 0; i < n; i++) {
          f.append(random.nextInt(4) == 0 ? column() : FILTER_TOKENS[random.nextInt(FILTER_TOKENS.length)]);
          if (random.nextInt(6) != 0) {
            f.append(' ');
          }
        }
        return f.toString();
      }
    }
  }

  private String column() {
    return switch (random.nextInt(8)) {
      case 0 -> "\"unit price\"";
      case 1 -> "nope";
      case 2 -> "\"na\"\"me\"";
      case 3 -> "'name'";
      default -> {
        String c = COLUMNS.get(random.nextInt(COLUMNS.size() - 1));
        yield random.nextBoolean() ? c : "\"" + c + "\"";
      }
    };
  }

  private String literal() {
    return switch (random.nextInt(14)) {
      case 0 -> Long.toString(random.nextLong());
      case 1 -> Double.toString(random.nextDouble() * 1e6 - 5e5);
      case 2 -> "'" + randomString(random.nextInt(10)).replace("'", "''") + "'";
      case 3 -> random.nextBoolean() ? "TRUE" : "FALSE";
      case 4 -> "NULL";
      case 5 -> "DATE '" + (1 + random.nextInt(9999)) + "-" + random.nextInt(14) + "-" + random.nextInt(33) + "'";
      case 6 -> "TIMESTAMP '2024-" + random.nextInt(14) + "-01 " + random.nextInt(26) + ":00:" + random.nextInt(70)
          + (random.nextBoolean() ? ".123456789123" : "") + "'";
      case 7 -> "DATE 'garbage'";
      case 8 -> "TIMESTAMP '99999999-01-01 00:00:00'";
      case 9 -> "1" + "0".repeat(random.nextInt(400));
      case 10 -> "-" + "9".repeat(1 + random.nextInt(40)) + "." + "9".repeat(random.nextInt(40));
      case 11 -> "1e" + (random.nextInt(800) - 400);
      case 12 -> "'" + "s".repeat(random.nextInt(30_000)) + "'";
      default -> Integer.toString(random.nextInt(100));
    };
  }

  private String randomBase64() {
    byte[] bytes = new byte[random.nextInt(random.nextInt(10) == 0 ? 20_000 : 200)];
    random.nextBytes(bytes);
    String b64 = Base64.getEncoder().encodeToString(bytes);
    return switch (random.nextInt(5)) {
      case 0 -> b64.substring(0, Math.max(0, b64.length() - 1 - random.nextInt(3)));
      case 1 -> b64.replace('+', '-');
      case 2 -> "!" + b64;
      default -> b64;
    };
  }

  private Request descriptorRequest() {
    Call call = random.nextBoolean() ? Call.INFO : Call.SCHEMA;
    int n = random.nextInt(4);
    List<String> elements = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      elements.add(random.nextInt(3) == 0 ? goodPath() : random.nextBoolean() ? hostilePath() : randomString(random.nextInt(50)));
    }
    if (random.nextInt(3) == 0) {
      byte[] body = new byte[random.nextInt(300)];
      random.nextBytes(body);
      return new Request("descriptor command bytes", call, body, FlightDescriptor.command(body), null);
    }
    return new Request("descriptor path[" + n + "]", call, new byte[0],
        FlightDescriptor.path(elements.toArray(String[]::new)), null);
  }

  private Request actionRequest() {
    String[] types = {"owner-flight-info", "owner-flight-info", "owner-flight-info", Actions.STATS, Actions.RING,
        "", "STATS", "nope", "x".repeat(5_000), randomString(30), "owner-flight-info\u0000"};
    String type = types[random.nextInt(types.length)];
    byte[] body = switch (random.nextInt(5)) {
      case 0 -> new byte[0];
      case 1 -> mutatedJson().getBytes(StandardCharsets.UTF_8);
      case 2 -> ticket(quote(hostilePath()), null, null, null).getBytes(StandardCharsets.UTF_8);
      case 3 -> ticket(quote(goodPath()), null, quote(filterSoup()), null).getBytes(StandardCharsets.UTF_8);
      default -> {
        byte[] b = new byte[random.nextInt(2_000)];
        random.nextBytes(b);
        yield b;
      }
    };
    return new Request("action", Call.ACTION, body, null, type);
  }

  private byte[] withInvalidUtf8(byte[] body) {
    byte[] bad = {(byte) 0xff, (byte) 0xc0, (byte) 0x80, (byte) 0xed, (byte) 0xa0, (byte) 0x80, (byte) 0xe2, (byte) 0x82};
    byte[] out = new byte[body.length + 3];
    int at = random.nextInt(body.length + 1);
    System.arraycopy(body, 0, out, 0, at);
    int start = random.nextInt(bad.length - 2);
    System.arraycopy(bad, start, out, at, 3);
    System.arraycopy(body, at, out, at + 3, body.length - at);
    return out;
  }

  private String randomString(int length) {
    StringBuilder s = new StringBuilder(length);
    while (s.length() < length) {
      int kind = random.nextInt(10);
      if (kind < 6) {
        s.append((char) (0x20 + random.nextInt(0x5f)));
      } else if (kind < 7) {
        s.append((char) random.nextInt(0x20));
      } else if (kind < 8) {
        s.appendCodePoint(0x80 + random.nextInt(0x2000));
      } else if (kind < 9) {
        s.appendCodePoint(0x1F600 + random.nextInt(50));
      } else {
        s.append("\"\\'%.");
      }
    }
    return s.toString();
  }

  /** A JSON string literal. */
  private static String quote(String s) {
    StringBuilder out = new StringBuilder("\"");
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '"' || c == '\\') {
        out.append('\\').append(c);
      } else if (c < 0x20) {
        out.append(String.format("\\u%04x", (int) c));
      } else {
        out.append(c);
      }
    }
    return out.append('"').toString();
  }
}
