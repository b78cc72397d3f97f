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
 * @param paths instead of {@code path}: a dataset of these objects, each taken literally
 * @param partitioning for a dataset: {@code "hive"} or {@code "none"}; null to let the node
 *     detect hive directories ({@code key=value})
 * @param partition for one file of a dataset (a file ticket, as a dataset's endpoints carry it):
 *     the partition columns appended to the file's rows as constants, in this order
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ReadTicket(String path, List<String> columns, String filter, String substrait,
    String version, List<String> paths, String partitioning, List<PartitionValue> partition) {

  public static final String FIELDS =
      "path, paths, columns, filter, substrait, version, partitioning, partition";
  public static final String HIVE = "hive";
  public static final String NO_PARTITIONING = "none";

  public ReadTicket {
    // Not List.copyOf: it throws on a null element, which validate() reports properly.
    columns = columns == null ? null : Collections.unmodifiableList(new ArrayList<>(columns));
    paths = paths == null ? null : Collections.unmodifiableList(new ArrayList<>(paths));
    partition = partition == null ? null : Collections.unmodifiableList(new ArrayList<>(partition));
  }

  /** A ticket for one object, pinned to {@code version} (null: the current one). */
  public ReadTicket(String path, List<String> columns, String filter, String substrait,
      String version) {
    this(path, columns, filter, substrait, version, null, null, null);
  }

  /** A ticket for the object's current version. */
  public ReadTicket(String path, List<String> columns, String filter, String substrait) {
    this(path, columns, filter, substrait, null);
  }

  /** A dataset ticket for these objects, each taken literally (a key may hold a {@code *}). */
  public static ReadTicket ofPaths(List<String> paths) {
    return new ReadTicket(null, null, null, null, null, paths, null, null);
  }

  /**
   * Whether the ticket names many objects: a prefix ({@code path} ending in {@code /}), a glob
   * ({@code path} holding {@code *}) or a {@code paths} list. A dataset is read by the endpoints
   * of its GetFlightInfo, one per file, never by one DoGet.
   */
  @com.fasterxml.jackson.annotation.JsonIgnore
  public boolean isDataset() {
    return paths != null || (path != null && (path.endsWith("/") || path.contains("*")));
  }

  /** The path a dataset or object ticket is routed by: {@code path}, else the first of {@code paths}. */
  @com.fasterxml.jackson.annotation.JsonIgnore
  public String routingPath() {
    return path != null ? path : paths != null && !paths.isEmpty() ? paths.get(0) : "";
  }

  /** The same dataset ticket with {@code "hive"}, {@code "none"} or null (detect). */
  public ReadTicket withPartitioning(String newPartitioning) {
    return new ReadTicket(path, columns, filter, substrait, version, paths, newPartitioning,
        partition);
  }

  public static ReadTicket of(String path) {
    return new ReadTicket(path, null, null, null);
  }

  public ReadTicket withColumns(List<String> newColumns) {
    return new ReadTicket(path, newColumns, filter, substrait, version, paths, partitioning,
        partition);
  }

  public ReadTicket withFilter(String newFilter) {
    return new ReadTicket(path, columns, newFilter, substrait, version, paths, partitioning,
        partition);
  }

  /** The same ticket pinned to one version of the object (an ETag); null for the current one. */
  public ReadTicket withVersion(String newVersion) {
    return new ReadTicket(path, columns, filter, substrait, newVersion, paths, partitioning,
        partition);
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
      if (paths.isEmpty()) {
        throw invalid("\"paths\" is empty; list at least one object");
      }
      if (paths.stream().anyMatch(p -> p == null || p.isBlank())) {
        throw invalid("\"paths\" holds a blank or null path; list object URIs as strings");
      }
    } else if (path == null || path.isBlank()) {
      throw invalid("the ticket has no \"path\"; send {\"path\": \"s3://bucket/key.parquet\"}");
    }
    if (partitioning != null && !HIVE.equals(partitioning) && !NO_PARTITIONING.equals(partitioning)) {
      throw invalid("\"partitioning\" is \"%s\"; use \"hive\" or \"none\", or leave it out to "
          + "detect key=value directories", shorten(partitioning));
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

  private static String expectedType(String field) {
    return switch (field) {
      case "path", "filter", "substrait", "version" -> "expected a string";
      case "columns" -> "expected a list of strings such as [\"a\", \"b\"]";
      case "paths" -> "expected a list of object URIs such as [\"s3://bucket/a.parquet\"]";
      case "partitioning" -> "expected \"hive\" or \"none\"";
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
