package io.dpft.core.tasks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dpft.core.io.AtomicFiles;
import io.dpft.privacy.audit.AuditResult;
import io.dpft.privacy.audit.CanaryGuesses;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * {@value #FILE} in a run directory: the result of auditing the run ({@link
 * TextClassificationAudit}), as JSON with the field names of {@link AuditResult} ({@code
 * claimedEpsilon} null for a run without DP).
 */
public final class AuditFile {
  /** The file name inside a run directory. */
  public static final String FILE = "audit.json";

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final List<String> FIELDS =
      List.of("canaries", "guesses", "correct", "delta", "confidence", "epsilonLowerBound");

  private AuditFile() {}

  /** The result as the JSON object this file holds. */
  public static ObjectNode toJson(AuditResult result) {
    ObjectNode node = JSON.createObjectNode();
    if (result.claimedEpsilon().isPresent()) {
      node.put("claimedEpsilon", result.claimedEpsilon().getAsDouble());
    } else {
      node.putNull("claimedEpsilon");
    }
    node.put("epsilonLowerBound", result.epsilonLowerBound());
    node.put("refutesClaim", result.refutesClaim());
    node.put("confidence", result.confidence());
    node.put("delta", result.delta());
    node.put("canaries", result.guesses().canaries());
    node.put("guesses", result.guesses().guesses());
    node.put("correct", result.guesses().correct());
    return node;
  }

  /** Writes {@code result} into {@code runDirectory} (atomically). */
  public static void write(Path runDirectory, AuditResult result) throws IOException {
    AtomicFiles.writeJson(runDirectory.resolve(FILE), toJson(result));
  }

  /**
   * The audit of the run in {@code runDirectory}, empty if it was not audited.
   *
   * @throws IllegalArgumentException naming the file if it is not an audit result
   */
  public static Optional<AuditResult> read(Path runDirectory) throws IOException {
    Path file = runDirectory.resolve(FILE);
    if (!Files.isRegularFile(file)) {
      return Optional.empty();
    }
    JsonNode node;
    try {
      node = JSON.readTree(file.toFile());
    } catch (IOException e) {
      throw new IllegalArgumentException(file + ": not valid JSON (" + e.getMessage() + ")", e);
    }
    for (String field : FIELDS) {
      if (node == null || !node.path(field).isNumber()) {
        throw new IllegalArgumentException(file + ": \"" + field + "\" is missing or not a number");
      }
    }
    JsonNode claimed = node.path("claimedEpsilon");
    try {
      return Optional.of(
          new AuditResult(
              claimed.isNumber() ? OptionalDouble.of(claimed.asDouble()) : OptionalDouble.empty(),
              node.get("delta").asDouble(),
              node.get("confidence").asDouble(),
              new CanaryGuesses(
                  node.get("canaries").asInt(),
                  node.get("guesses").asInt(),
                  node.get("correct").asInt()),
              node.get("epsilonLowerBound").asDouble()));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
    }
  }
}
