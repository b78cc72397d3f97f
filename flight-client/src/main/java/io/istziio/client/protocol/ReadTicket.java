package io.istziio.client.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.arrow.flight.CallStatus;
import org.apache.arrow.flight.Ticket;

/**
 * What a client asks a node for: one Parquet object, optionally only some of its columns and
 * rows. On the wire it is UTF-8 JSON so that any Flight client can write one by hand:
 *
 * <pre>{"path": "s3://bucket/key.parquet", "columns": ["a", "b"], "filter": "a > 5"}</pre>
 *
 * @param path the object's URI: {@code s3://bucket/key} or {@code file:///absolute/path}
 * @param columns the columns to return, in this order; null for all of them
 * @param filter a row predicate in the filter language (see the README); null for every row
 * @param substrait instead of {@code filter}: a Substrait ExtendedExpression holding one boolean
 *     expression over the file's columns, base64-encoded
 * @param version the object's version (its ETag, as {@link ServedVersion} reports it) that the
 *     read must serve, or fail with NOT_FOUND ({@link Failures#isVersionGone}); null for the
 *     current one. A client resuming a broken stream sends it so that no read splices two versions.
 * @param paths instead of {@code path}: a dataset of these objects, each a literal path
 * @param partitioning for a dataset: {@code "hive"} or {@code "none"}; null to detect it (hive
 *     when every file's directories below the prefix are {@code key=value})
 * @param partition for one object of a dataset (a file ticket): the partition columns appended
 *     to its rows as constants, in this order; null for none
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ReadTicket(String path, List<String> columns, String filter, String substrait,
    String version, List<String> paths, String partitioning, List<PartitionValue> partition) {

  public static final String FIELDS =
      "path, paths, columns, filter, substrait, version, partitioning, partition";

  /** The most objects a {@code paths} list may name (as many as a listing may find). */
  public static final int MAX_PATHS = 100_000;

  public static final String HIVE = "hive";
  public static final String NONE = "none";

  /**
   * One partition column of a file ticket: its name, its type ({@code int32} or {@code string}),
   * and its value as decimal or UTF-8 text, null for a null value. Serialized with the null.
   */
  @JsonInclude(JsonInclude.Include.ALWAYS)
  public record PartitionValue(String name, String type, String value) {
    public static final String INT32 = "int32";
    public static final String STRING = "string";
  }

  public ReadTicket {
    // Not List.copyOf: it throws on a null element, which validate() reports properly.
    columns = columns == null ? null : Collections.unmodifiableList(new ArrayList<>(columns));
    paths = paths == null ? null : Collections.unmodifiableList(new ArrayList<>(paths));
    partition = partition == null ? null : Collections.unmodifiableList(new ArrayList<>(partition));
  }

  /** A ticket for the object's current version. */
  public ReadTicket(String path, List<String> columns, String filter, String substrait) {
    this(path, columns, filter, substrait, null);
  }

  /** A ticket for one object. */
  public ReadTicket(String path, List<String> columns, String filter, String substrait,
      String version) {
    this(path, columns, filter, substrait, version, null, null, null);
  }

  /** A dataset of these objects (each a literal path). */
  public static ReadTicket ofPaths(List<String> paths) {
    return new ReadTicket(null, null, null, null, null, paths, null, null);
  }

  /**
   * Whether the ticket names many objects (a {@code paths} list, a {@code path} ending in
   * {@code /} or holding {@code *}): it is read through GetFlightInfo's endpoints.
   */
  @com.fasterxml.jackson.annotation.JsonIgnore
  public boolean isDataset() {
    return paths != null || path != null && (path.endsWith("/") || path.indexOf('*') >= 0);
  }

  /** The same ticket with {@code partitioning} set. */
  public ReadTicket withPartitioning(String newPartitioning) {
    return new ReadTicket(path, columns, filter, substrait, version, paths, newPartitioning, partition);
  }

  /** The same ticket for one object with these partition columns appended. */
  public ReadTicket withPartition(List<PartitionValue> newPartition) {
    return new ReadTicket(path, columns, filter, substrait, version, paths, partitioning, newPartition);
  }

  /** The same ticket for the one object {@code newPath}: no {@code paths}, no partitioning. */
  public ReadTicket withPath(String newPath) {
    return new ReadTicket(newPath, columns, filter, substrait, version, null, null, partition);
  }

  public static ReadTicket of(String path) {
    return new ReadTicket(path, null, null, null);
  }

  public ReadTicket withColumns(List<String> newColumns) {
    return new ReadTicket(path, newColumns, filter, substrait, version, paths, partitioning, partition);
  }

  public ReadTicket withFilter(String newFilter) {
    return new ReadTicket(path, columns, newFilter, substrait, version, paths, partitioning, partition);
  }

  /** The same ticket pinned to one version of the object (an ETag); null for the current one. */
  public ReadTicket withVersion(String newVersion) {
    return new ReadTicket(path, columns, filter, substrait, newVersion, paths, partitioning, partition);
  }

  /** The same ticket with a serialized Substrait ExtendedExpression as its filter. */
  public ReadTicket withSubstrait(byte[] extendedExpression) {
    return new ReadTicket(path, columns, filter,
        java.util.Base64.getEncoder().encodeToString(extendedExpression), version, paths,
        partitioning, partition);
  }

  public byte[] toJsonBytes() {
    return Json.write(this);
  }

  public Ticket toFlightTicket() {
    return new Ticket(toJsonBytes());
  }

  @Override
  public String toString() {
    return new String(toJsonBytes(), StandardCharsets.UTF_8);
  }

  /**
   * Parses and validates a ticket.
   *
   * @throws org.apache.arrow.flight.FlightRuntimeException INVALID_ARGUMENT saying what to fix
   */
  public static ReadTicket parse(byte[] json) {
    ReadTicket ticket;
    try {
      ticket = Json.MAPPER.readValue(json, ReadTicket.class);
    } catch (UnrecognizedPropertyException e) {
      throw invalid("unknown field \"%s\" in the ticket; a ticket has the fields %s",
          shorten(e.getPropertyName()), FIELDS);
    } catch (StreamConstraintsException e) {
      // Jackson's guards against hostile input (nesting deeper than 1,000, huge numbers or
      // names); such an exception has no location.
      throw invalid("the ticket exceeds a JSON parser limit (%s); send a ticket such as "
          + "{\"path\": \"s3://bucket/key.parquet\"}", shorten(plain(e.getOriginalMessage())));
    } catch (MismatchedInputException e) {
      String field = e.getPath().isEmpty() ? null : e.getPath().get(0).getFieldName();
      throw field == null
          ? invalid("the ticket must be a JSON object such as {\"path\": \"s3://bucket/key.parquet\"}")
          : invalid("field \"%s\" of the ticket has the wrong type: %s", field, expectedType(field));
    } catch (JsonProcessingException e) {
      String where = e.getLocation() == null ? ""
          : String.format(" at line %d, column %d", e.getLocation().getLineNr(), e.getLocation().getColumnNr());
      throw invalid("the ticket is not valid JSON (%s%s); send UTF-8 JSON such "
              + "as {\"path\": \"s3://bucket/key.parquet\"}", shorten(plain(e.getOriginalMessage())), where);
    } catch (IOException e) {
      throw invalid("the ticket could not be read: %s", shorten(e.getMessage()));
    }
    if (ticket == null) {
      throw invalid("the ticket is empty; send {\"path\": \"s3://bucket/key.parquet\"}");
    }
    ticket.validate();
    return ticket;
  }

  private void validate() {
    if (path != null && paths != null) {
      throw invalid("the ticket has both \"path\" and \"paths\"; send one of them");
    }
    if (paths != null) {
      validatePaths();
    } else if (path == null || path.isBlank()) {
      throw invalid("the ticket has no \"path\"; send {\"path\": \"s3://bucket/key.parquet\"}");
    }
    if (partitioning != null && !HIVE.equals(partitioning) && !NONE.equals(partitioning)) {
      throw invalid("\"partitioning\" is \"%s\"; send \"hive\" or \"none\", or leave it out to "
          + "detect hive directories", shorten(partitioning));
    }
    if (partitioning != null && !isDataset()) {
      throw invalid("\"partitioning\" applies to a dataset (a path ending in \"/\", a glob or "
          + "\"paths\"); leave it out for one object");
    }
    if (partition != null) {
      validatePartition();
    }
    if (columns != null) {
      Set<String> seen = new HashSet<>();
      for (String column : columns) {
        // "" is a column name Parquet and Arrow allow (pyarrow writes and reads it); null is not.
        if (column == null) {
          throw invalid("\"columns\" holds a null name; list column names as strings");
        }
        if (!seen.add(column)) {
          throw invalid("column \"%s\" is listed twice in \"columns\"", shorten(column));
        }
      }
    }
    if (filter != null && filter.isBlank()) {
      throw invalid("\"filter\" is blank; leave it out to read every row");
    }
    if (version != null && version.isEmpty()) {
      throw invalid("\"version\" is empty; leave it out to read the current version");
    }
    if (filter != null && substrait != null) {
      throw invalid("the ticket has both \"filter\" and \"substrait\"; send one of them");
    }
  }

  private void validatePaths() {
    if (paths.isEmpty()) {
      throw invalid("\"paths\" is empty; list at least one object path");
    }
    if (paths.size() > MAX_PATHS) {
      throw invalid("\"paths\" lists %d objects; at most %d are taken: split the dataset",
          paths.size(), MAX_PATHS);
    }
    Set<String> seen = new HashSet<>();
    for (String each : paths) {
      if (each == null || each.isBlank()) {
        throw invalid("\"paths\" holds a null or blank path; list object paths as strings");
      }
      if (!seen.add(each)) {
        throw invalid("\"%s\" is listed twice in \"paths\"", shorten(each));
      }
    }
  }

  private void validatePartition() {
    if (isDataset()) {
      throw invalid("\"partition\" belongs to the ticket of one object of a dataset (as "
          + "GetFlightInfo's endpoints carry it), not to a dataset ticket");
    }
    Set<String> seen = new HashSet<>();
    for (PartitionValue value : partition) {
      if (value == null || value.name() == null) {
        throw invalid("\"partition\" holds an entry without a name; send {\"name\": \"year\", "
            + "\"type\": \"int32\", \"value\": \"2024\"}");
      }
      if (!seen.add(value.name())) {
        throw invalid("partition column \"%s\" is listed twice in \"partition\"",
            shorten(value.name()));
      }
      if (PartitionValue.INT32.equals(value.type())) {
        if (value.value() != null) {
          try {
            Integer.parseInt(value.value());
          } catch (NumberFormatException e) {
            throw invalid("partition column \"%s\" is int32 but its value \"%s\" is not an "
                + "int32 in decimal", shorten(value.name()), shorten(value.value()));
          }
        }
      } else if (!PartitionValue.STRING.equals(value.type())) {
        throw invalid("partition column \"%s\" has type \"%s\"; the types are \"int32\" and "
            + "\"string\"", shorten(value.name()), shorten(String.valueOf(value.type())));
      }
    }
  }

  private static String expectedType(String field) {
    return switch (field) {
      case "path", "filter", "substrait", "version", "partitioning" -> "expected a string";
      case "columns" -> "expected a list of strings such as [\"a\", \"b\"]";
      case "paths" -> "expected a list of object paths such as [\"s3://bucket/a.parquet\"]";
      case "partition" -> "expected a list such as [{\"name\": \"year\", \"type\": \"int32\", "
          + "\"value\": \"2024\"}]";
      default -> "see the ticket format in the README";
    };
  }

  /**
   * User input cut to 200 characters for a message, which travels in a gRPC header of at most
   * 8 KB. The node's Errors.shorten does the same; the protocol cannot depend on the node.
   */
  private static String shorten(String input) {
    if (input == null || input.length() <= 200) {
      return input;
    }
    int end = Character.isHighSurrogate(input.charAt(199)) ? 199 : 200;
    return input.substring(0, end) + "...(" + (input.length() - end) + " more characters)";
  }

  /**
   * Jackson's message without the Java names it adds ("from `StreamReadConstraints...`", "[Source:
   * REDACTED (`StreamReadFeature...` disabled); line: 1, column: 1]"), which mean nothing to a
   * client in another language.
   */
  private static String plain(String message) {
    return message == null ? null : message
        .replaceAll(", from `[^`]*`", "")
        .replaceAll("\\[Source: [^\\]]*?line: (\\d+), column: (\\d+)\\]", "line $1, column $2");
  }

  private static RuntimeException invalid(String format, Object... args) {
    return CallStatus.INVALID_ARGUMENT.withDescription(String.format(format, args)).toRuntimeException();
  }
}
