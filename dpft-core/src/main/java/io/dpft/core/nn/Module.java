package io.dpft.core.nn;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.BiPredicate;
import java.util.regex.Pattern;
import org.bytedeco.pytorch.Tensor;

/**
 * A node of a model: its own {@link Parameter}s and named child modules, in registration order.
 *
 * <p>Names are dotted paths so that {@link #namedParameters()} yields the Hugging Face checkpoint
 * names ({@code encoder.layer.0.attention.self.query.weight}) and loading weights is one loop. A
 * child may itself be registered under a dotted path ({@code "attention.output.dense"}), which lets
 * one module hold layers that a checkpoint files under different parents.
 *
 * <p>A parameter registered under the empty name is named by its module's own path (ViT's
 * {@code embeddings.cls_token} is an {@link AddedParameter} at {@code "embeddings.cls_token"}). A
 * parameter shared by two layers (tied weights) is listed once, under its first name, as torch's
 * {@code named_parameters()} does.
 *
 * <p>A module owns its parameters: {@link #close()} releases every parameter of the subtree.
 */
public abstract class Module implements AutoCloseable {
  private static final Pattern PATH = Pattern.compile("[A-Za-z0-9_]+(\\.[A-Za-z0-9_]+)*");

  private final Map<String, Parameter> ownParameters = new LinkedHashMap<>();
  private final Map<String, Module> children = new LinkedHashMap<>();
  private boolean training = true;
  private Precision precision = Precision.FP32;

  /**
   * Registers {@code parameter} under {@code name} and returns it; {@code ""} names it by this
   * module's path and must then be the module's only parameter.
   */
  protected final Parameter registerParameter(String name, Parameter parameter) {
    if (ownParameters.containsKey("") || (name.isEmpty() && !ownParameters.isEmpty())) {
      throw new IllegalArgumentException("a parameter named by the module's path must be the only "
          + "parameter of " + getClass().getSimpleName() + ", got '" + name + "' as well");
    }
    if (!name.isEmpty()) {
      checkNewName(name);
    }
    ownParameters.put(name, parameter);
    return parameter;
  }

  /**
   * Registers {@code child} under the (possibly dotted) {@code path} and returns it; the child
   * takes this module's {@link #precision()}.
   */
  protected final <M extends Module> M registerModule(String path, M child) {
    checkNewName(path);
    children.put(path, child);
    child.setPrecision(precision);
    return child;
  }

  /**
   * Unregisters the child registered under {@code path} and returns it (the caller closes it).
   *
   * @throws IllegalArgumentException if no child is registered under {@code path}
   */
  protected final Module removeModule(String path) {
    Module child = children.remove(path);
    if (child == null) {
      throw new IllegalArgumentException("no module '" + path + "' in "
          + getClass().getSimpleName());
    }
    return child;
  }

  /**
   * Every parameter of the subtree by its dotted name, in registration order.
   *
   * @throws IllegalStateException if two registrations resolve to the same dotted name
   */
  public final Map<String, Parameter> parameters() {
    Map<String, Parameter> out = new LinkedHashMap<>();
    collectParameters("", out, Collections.newSetFromMap(new IdentityHashMap<>()));
    return Collections.unmodifiableMap(out);
  }

  /** The live parameter tensors by Hugging Face name: the contract with weight loaders. */
  public final Map<String, Tensor> namedParameters() {
    Map<String, Tensor> out = new LinkedHashMap<>();
    parameters().forEach((name, p) -> out.put(name, p.tensor()));
    return out;
  }

  /** Every module of the subtree (this one under {@code ""}) by its dotted path. */
  public final Map<String, Module> namedModules() {
    Map<String, Module> out = new LinkedHashMap<>();
    collectModules("", out);
    return Collections.unmodifiableMap(out);
  }

  /** Freezes ({@code requires_grad = false}) every parameter for which {@code which} holds. */
  public final void freeze(BiPredicate<String, Parameter> which) {
    setTrainable(which, false);
  }

  /** Unfreezes every parameter for which {@code which} holds. */
  public final void unfreeze(BiPredicate<String, Parameter> which) {
    setTrainable(which, true);
  }

  private void setTrainable(BiPredicate<String, Parameter> which, boolean trainable) {
    parameters().forEach((name, p) -> {
      if (which.test(name, p)) {
        p.setTrainable(trainable);
      }
    });
  }

  /** Training mode (dropout active) for this module and all its descendants. */
  public final void train(boolean on) {
    training = on;
    children.values().forEach(child -> child.train(on));
  }

  /** Evaluation mode: same as {@code train(false)}. */
  public final void eval() {
    train(false);
  }

  public final boolean isTraining() {
    return training;
  }

  /**
   * The precision of {@link Linear} products ({@link Precision}) for this module, all its
   * descendants and the modules registered under them later (a fine-tuning method's). Set it to
   * what {@link Precision#onThisCpu} allows: {@link Precision#BF16} computes correctly on any CPU,
   * but slowly on one without bfloat16 instructions.
   */
  public final void setPrecision(Precision precision) {
    this.precision = Objects.requireNonNull(precision, "precision");
    children.values().forEach(child -> child.setPrecision(precision));
  }

  public final Precision precision() {
    return precision;
  }

  /** Releases every parameter of the subtree; idempotent. */
  @Override
  public void close() {
    ownParameters.values().forEach(Parameter::close);
    children.values().forEach(Module::close);
  }

  private void collectParameters(String prefix, Map<String, Parameter> out, Set<Parameter> seen) {
    ownParameters.forEach((name, p) -> {
      String full = name.isEmpty() && !prefix.isEmpty()
          ? prefix.substring(0, prefix.length() - 1) : prefix + name;
      if (seen.add(p) && out.put(full, p) != null) {
        throw new IllegalStateException("two parameters resolve to the name " + full);
      }
    });
    children.forEach((path, child) -> child.collectParameters(prefix + path + ".", out, seen));
  }

  private void collectModules(String prefix, Map<String, Module> out) {
    out.put(prefix.isEmpty() ? "" : prefix.substring(0, prefix.length() - 1), this);
    children.forEach((path, child) -> child.collectModules(prefix + path + ".", out));
  }

  private void checkNewName(String name) {
    if (name == null || !PATH.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "name must be a dotted path of [A-Za-z0-9_] segments, got '" + name + "'");
    }
    if (ownParameters.containsKey(name) || children.containsKey(name)) {
      throw new IllegalArgumentException(
          "name '" + name + "' is already registered in " + getClass().getSimpleName());
    }
  }
}
