package io.istziio.server;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.CharacterCodingException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.TreeSet;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParameterException;

/**
 * The value of an option missing from the command line: its environment variable, else its key in
 * the configuration file, else (this provider answering null) the option's own default. picocli
 * asks a command's default value provider before the annotation's {@code defaultValue}, and only
 * for options the command line did not give, so flags beat the environment, which beats the file,
 * which beats the defaults.
 *
 * <p>The environment variable of option {@code --cache-size} is {@code ISTZIIO_CACHE_SIZE} unless
 * {@code renamed} says otherwise; its key in the file is {@code cache-size}. The file is a Java
 * properties file (UTF-8) named by the {@code --config} option or its variable, read once on first
 * use; a key that names no option, or a file that cannot be read, is a {@link ParameterException}
 * saying what to fix. An empty value in the file leaves the option at its default. New options
 * need nothing here.
 *
 * <p>Not thread-safe: picocli parses on one thread.
 */
final class NodeDefaults implements CommandLine.IDefaultValueProvider {

  /** The option naming the file; the file cannot set it. */
  static final String CONFIG = "config";
  private static final String PREFIX = "ISTZIIO_";

  private final CommandLine commandLine;
  private final Map<String, String> environment;
  private final Map<String, String> renamed;
  /** Where each value this provider gave came from, for error messages. */
  private final Map<ArgSpec, String> origins = new HashMap<>();
  private Path loadedPath;
  private Map<String, String> file;

  private NodeDefaults(CommandLine commandLine, Map<String, String> environment,
      Map<String, String> renamed) {
    this.commandLine = commandLine;
    this.environment = environment;
    this.renamed = renamed;
  }

  /**
   * Makes {@code commandLine}'s options default to {@code environment}, then the configuration
   * file.
   *
   * @param renamed option keys (long names without dashes) whose variable is not ISTZIIO_KEY,
   *     mapped to their variable
   */
  static NodeDefaults install(CommandLine commandLine, Map<String, String> environment,
      Map<String, String> renamed) {
    NodeDefaults defaults = new NodeDefaults(commandLine, environment, renamed);
    commandLine.setDefaultValueProvider(defaults);
    return defaults;
  }

  /** The key of an option in the file: its long name without the dashes. */
  static String key(OptionSpec option) {
    return option.longestName().replaceFirst("^-+", "");
  }

  /** The environment variable of the option with {@code key}. */
  String variable(String key) {
    return renamed.getOrDefault(key, PREFIX + key.toUpperCase(Locale.ROOT).replace('-', '_'));
  }

  /**
   * Where the value of {@code arg} came from when this provider gave it ("environment variable
   * ISTZIIO_PORT", "config file /etc/istziio.properties"); null when it did not.
   */
  String origin(ArgSpec arg) {
    return origins.get(arg);
  }

  @Override
  public String defaultValue(ArgSpec arg) {
    if (!(arg instanceof OptionSpec option) || option.usageHelp() || option.versionHelp()) {
      return null;
    }
    String key = key(option);
    String fromEnvironment = environment.get(variable(key));
    if (fromEnvironment != null) {
      origins.put(arg, "environment variable " + variable(key));
      return fromEnvironment;
    }
    if (key.equals(CONFIG)) {
      return null;
    }
    String fromFile = file().get(key);
    if (fromFile != null) {
      origins.put(arg, "config file " + loadedPath);
    }
    return fromFile;
  }

  /** The file's values by key, empty without a file; loaded again if the path changed. */
  private Map<String, String> file() {
    Path path = configPath();
    if (file == null || !Objects.equals(path, loadedPath)) {
      file = path == null ? Map.of() : load(path);
      loadedPath = path;
    }
    return file;
  }

  /** {@code --config} when given on the command line, else its variable; null for neither. */
  private Path configPath() {
    Object given = commandLine.getCommandSpec().findOption("--" + CONFIG).getValue();
    if (given != null) {
      return (Path) given;
    }
    String fromEnvironment = environment.get(variable(CONFIG));
    return fromEnvironment == null || fromEnvironment.isBlank() ? null : Path.of(fromEnvironment);
  }

  private Map<String, String> load(Path path) {
    Properties properties = new Properties();
    try (Reader reader = Files.newBufferedReader(path)) {
      properties.load(reader);
    } catch (IOException | IllegalArgumentException e) {
      throw new ParameterException(commandLine,
          "cannot read the config file " + path + ": " + reason(e));
    }
    List<String> options = options();
    List<String> unknown = new ArrayList<>();
    Map<String, String> values = new HashMap<>();
    for (String key : new TreeSet<>(properties.stringPropertyNames())) {
      if (key.equals(CONFIG)) {
        throw new ParameterException(commandLine, "the config file " + path + " sets '" + CONFIG
            + "', which only the command line or " + variable(CONFIG) + " can: remove that line");
      }
      if (!options.contains(key)) {
        unknown.add("'" + key + "' (did you mean '" + nearest(key, options) + "'?)");
        continue;
      }
      String value = properties.getProperty(key).strip();
      if (!value.isEmpty()) {
        values.put(key, value);
      }
    }
    if (!unknown.isEmpty()) {
      throw new ParameterException(commandLine, "unknown key" + (unknown.size() > 1 ? "s " : " ")
          + String.join(", ", unknown) + " in the config file " + path + "; its keys are the "
          + "options' long names without the dashes, as in cache-size=50GiB");
    }
    return values;
  }

  /** The keys the file may set: every option's but help's, version's and config's. */
  private List<String> options() {
    List<String> keys = new ArrayList<>();
    for (OptionSpec option : commandLine.getCommandSpec().options()) {
      if (!option.usageHelp() && !option.versionHelp() && !key(option).equals(CONFIG)) {
        keys.add(key(option));
      }
    }
    return keys;
  }

  private static String reason(Exception e) {
    if (e instanceof NoSuchFileException) {
      return "no such file";
    }
    if (e instanceof AccessDeniedException) {
      return "permission denied";
    }
    if (e instanceof CharacterCodingException) {
      return "not UTF-8 text";
    }
    if (e instanceof FileSystemException fs && fs.getReason() != null) {
      return fs.getReason();
    }
    if (e instanceof IllegalArgumentException) {
      return "not a properties file (" + e.getMessage() + ")";
    }
    return e.getMessage() != null ? e.getMessage() : e.toString(); // such as "Is a directory"
  }

  /** The candidate closest to {@code key} in edit distance; ties go to the first. */
  static String nearest(String key, Collection<String> candidates) {
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String candidate : candidates) {
      int distance = editDistance(key, candidate);
      if (distance < bestDistance) {
        best = candidate;
        bestDistance = distance;
      }
    }
    return best;
  }

  /** Levenshtein distance: insertions, deletions and substitutions of one character. */
  private static int editDistance(String a, String b) {
    int[] previous = new int[b.length() + 1];
    int[] current = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      previous[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      current[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
      }
      int[] swap = previous;
      previous = current;
      current = swap;
    }
    return previous[b.length()];
  }
}
