package io.istziio.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.kubernetes.client.openapi.JSON;
import io.kubernetes.client.openapi.models.V1ConfigMap;
import io.kubernetes.client.openapi.models.V1Container;
import io.kubernetes.client.openapi.models.V1Deployment;
import io.kubernetes.client.openapi.models.V1EnvVar;
import io.kubernetes.client.openapi.models.V1PodDisruptionBudget;
import io.kubernetes.client.openapi.models.V1Secret;
import io.kubernetes.client.openapi.models.V1Service;
import io.kubernetes.client.openapi.models.V1StatefulSet;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The manifests under {@code scripts/k8s}, checked offline: every document is read into the
 * official Kubernetes Java client's model of its kind (generated from the API's OpenAPI schema),
 * whose reader rejects a field the schema does not define and a required field that is missing;
 * then the node's settings in them are parsed by the node's own command line, as the container
 * will see them.
 */
class KubernetesManifestsTest {

  private static final Path MANIFESTS = Path.of("..", "scripts", "k8s");
  private static final ObjectMapper YAML = new YAMLMapper();
  private static final ObjectMapper JSON_WRITER = new ObjectMapper();
  /** Kind and apiVersion to the model class: a kind not listed here is a test failure. */
  private static final Map<String, Class<?>> MODELS = Map.of(
      "apps/v1 StatefulSet", V1StatefulSet.class,
      "apps/v1 Deployment", V1Deployment.class,
      "v1 Service", V1Service.class,
      "v1 ConfigMap", V1ConfigMap.class,
      "v1 Secret", V1Secret.class,
      "policy/v1 PodDisruptionBudget", V1PodDisruptionBudget.class);
  /** Variables the launcher or the node read besides the options' own (README, "Logs"). */
  private static final Set<String> OTHER_VARIABLES = Set.of("ISTZIIO_JAVA_OPTS",
      "ISTZIIO_REDIS_PASSWORD", "ISTZIIO_LOG_CONFIG", "ISTZIIO_LOG_LEVEL", "ISTZIIO_REQUEST_LOG");

  private static List<Object> load(Path file) throws IOException {
    List<Object> objects = new ArrayList<>();
    try (var parser = new YAMLFactory().createParser(file.toFile())) {
      for (JsonNode document : YAML.readValues(parser, JsonNode.class).readAll()) {
        if (document == null || document.isNull() || document.isMissingNode()) {
          continue;
        }
        objects.add(read(document, file));
      }
    }
    return objects;
  }

  /** The document as its kind's model; throws if the schema does not allow it. */
  private static Object read(JsonNode document, Path file) throws IOException {
    String type = document.path("apiVersion").asText() + " " + document.path("kind").asText();
    Class<?> model = MODELS.get(type);
    assertNotNull(model, file + ": no model for " + type + " (add it to MODELS)");
    try {
      return new JSON().deserialize(JSON_WRITER.writeValueAsString(document), model);
    } catch (IllegalArgumentException e) { // the model's message names the field and the type
      throw new IllegalArgumentException(file + ": " + type + " "
          + document.path("metadata").path("name").asText() + ": " + e.getMessage(), e);
    }
  }

  private static List<Object> all() throws IOException {
    List<Object> objects = new ArrayList<>();
    try (Stream<Path> files = Files.walk(MANIFESTS)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
        objects.addAll(load(file));
      }
    }
    return objects;
  }

  private static <T> T only(List<Object> objects, Class<T> type, String name) {
    return objects.stream().filter(type::isInstance).map(type::cast)
        .filter(o -> name.equals(nameOf(o))).findFirst()
        .orElseThrow(() -> new AssertionError("no " + type.getSimpleName() + " " + name));
  }

  private static String nameOf(Object object) {
    if (object instanceof V1StatefulSet set) {
      return set.getMetadata().getName();
    } else if (object instanceof V1ConfigMap map) {
      return map.getMetadata().getName();
    } else if (object instanceof V1Service service) {
      return service.getMetadata().getName();
    }
    return null;
  }

  @Test
  void everyManifestIsValidAgainstTheKubernetesSchema() throws IOException {
    List<Object> objects = all();
    Set<Class<?>> kinds = new HashSet<>();
    objects.forEach(o -> kinds.add(o.getClass()));
    assertEquals(Set.copyOf(MODELS.values()), kinds, "one of each kind the deployment needs");
  }

  @Test
  void theValidatorRejectsUnknownAndMissingFields() throws IOException {
    JsonNode statefulSet = YAML.readTree("""
        apiVersion: apps/v1
        kind: StatefulSet
        metadata: {name: x}
        spec:
          serviceName: x
          selector: {matchLabels: {a: b}}
          template:
            metadata: {labels: {a: b}}
            spec:
              containers: [{name: node, image: i, ports: [{containerPort: 8815}]}]
        """);
    read(statefulSet, Path.of("inline"));
    ObjectNode typo = statefulSet.deepCopy();
    ((ObjectNode) typo.path("spec").path("template").path("spec").path("containers").get(0))
        .put("readinesProbe", "x");
    assertThrows(IllegalArgumentException.class, () -> read(typo, Path.of("inline")),
        "a misspelt field fails");
    ObjectNode missing = statefulSet.deepCopy();
    ((ObjectNode) missing.path("spec")).remove("selector");
    assertThrows(IllegalArgumentException.class, () -> read(missing, Path.of("inline")),
        "a missing required field fails");
  }

  /**
   * The node's environment in the StatefulSet (its ConfigMap, then its own variables, with the
   * pod IP filled in) is one the node accepts: each ISTZIIO_ variable is one it reads, every value
   * parses, and it listens on all addresses while advertising the pod's.
   */
  @Test
  void theNodesEnvironmentParsesAsTheNodesFlags() throws IOException {
    List<Object> objects = all();
    V1StatefulSet nodes = only(objects, V1StatefulSet.class, "istziio");
    V1Container node = nodes.getSpec().getTemplate().getSpec().getContainers().get(0);
    String configMapName = node.getEnvFrom().get(0).getConfigMapRef().getName();
    Map<String, String> environment = new HashMap<>(only(objects, V1ConfigMap.class, configMapName).getData());
    for (V1EnvVar variable : node.getEnv()) {
      String value = variable.getValue();
      if (value == null) {
        value = variable.getValueFrom().getFieldRef() != null
            ? switch (variable.getValueFrom().getFieldRef().getFieldPath()) {
              case "status.podIP" -> "10.244.1.7";
              case "metadata.name" -> "istziio-0";
              default -> throw new AssertionError("unexpected field " + variable.getValueFrom());
            }
            : "from-a-secret";
      }
      environment.put(variable.getName(), expand(value, environment));
    }

    CommandLine commandLine = NodeMain.commandLine(environment);
    NodeDefaults defaults = (NodeDefaults) commandLine.getDefaultValueProvider();
    Set<String> known = new HashSet<>(OTHER_VARIABLES);
    for (OptionSpec option : commandLine.getCommandSpec().options()) {
      if (!option.usageHelp() && !option.versionHelp()) {
        known.add(defaults.variable(NodeDefaults.key(option)));
      }
    }
    for (String name : environment.keySet()) {
      assertTrue(!name.startsWith("ISTZIIO_") || known.contains(name), name + " is no variable the node reads");
    }
    commandLine.parseArgs();
    NodeMain main = commandLine.getCommand();
    assertEquals("istziio-0", main.id);
    assertEquals("0.0.0.0", main.host);
    assertEquals("grpc+tcp://10.244.1.7:8815", main.advertise.toString());
    assertEquals(main.port, node.getPorts().stream().filter(p -> "flight".equals(p.getName()))
        .findFirst().orElseThrow().getContainerPort());
    assertEquals(main.metricsPort, node.getPorts().stream().filter(p -> "metrics".equals(p.getName()))
        .findFirst().orElseThrow().getContainerPort());
    assertEquals(String.valueOf(main.metricsPort),
        nodes.getSpec().getTemplate().getMetadata().getAnnotations().get("prometheus.io/port"));
    for (var probe : List.of(node.getStartupProbe(), node.getReadinessProbe(), node.getLivenessProbe())) {
      assertEquals(main.port, probe.getGrpc().getPort(), "probes ask the health service on the Flight port");
    }
    String cacheVolume = nodes.getSpec().getVolumeClaimTemplates().get(0).getMetadata().getName();
    assertTrue(node.getVolumeMounts().stream().anyMatch(m -> m.getName().equals(cacheVolume)
        && Path.of(m.getMountPath()).equals(main.cacheDir)), "the cache directory is the node's own volume");
    for (V1EnvVar variable : node.getEnv()) {
      if (variable.getName().startsWith("AWS_")) {
        assertNotNull(variable.getValueFrom().getSecretKeyRef(), variable.getName() + " comes from a Secret");
      }
    }
    String tokenDirectory = Path.of(environment.get("ISTZIIO_TOKEN_FILE")).getParent().toString();
    assertTrue(node.getVolumeMounts().stream().anyMatch(m -> m.getMountPath().equals(tokenDirectory)
        && m.getSubPath() == null), "the token file's Secret is mounted as a directory, so changes reach the node");
  }

  /** Kubernetes' $(NAME) references to variables defined before. */
  private static String expand(String value, Map<String, String> defined) {
    Matcher reference = Pattern.compile("\\$\\(([A-Za-z_][A-Za-z0-9_]*)\\)").matcher(value);
    StringBuilder expanded = new StringBuilder();
    while (reference.find()) {
      String name = reference.group(1);
      assertTrue(defined.containsKey(name), "$(" + name + ") is defined before its use");
      reference.appendReplacement(expanded, Matcher.quoteReplacement(defined.get(name)));
    }
    return reference.appendTail(expanded).toString();
  }
}
