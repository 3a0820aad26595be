package io.seedflow.core.model.lora;

import io.seedflow.core.error.InvalidConfigurationException;
import io.seedflow.core.model.InputCodec;
import io.seedflow.core.model.InputKind;
import io.seedflow.core.model.Model;
import io.seedflow.core.model.ModelSpec;
import io.seedflow.core.model.ModelSpecs;
import io.seedflow.core.model.TensorRole;
import io.seedflow.core.objective.Objective;
import io.seedflow.core.tensor.TensorSpec;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Low-rank adapters (LoRA) decorating any family with a head: each chosen body matrix W {@code [d0, d1]} of the inner
 * model is read as {@code W + A B}, A {@code [d0, r]} drawn from the model seed and B {@code [r, d1]} zero, so that
 * step 0 is the inner model itself. The trainable tensors are the adapters (role {@link TensorRole#ADAPTER}), then
 * the inner model's head; every other inner tensor is the {@linkplain #frozenBase() frozen base}, which snapshots name
 * by hash instead of holding.
 *
 * <p>Text form {@code lora:<rank>:<targets>:<inner spec>}, e.g. {@code lora:8:query+value:encoder:all-minilm-l6-v2:2:64}:
 * {@code targets} are '+'-separated names, a target {@code t} choosing every body matrix of the inner model whose
 * name ends in {@code .t.weight} (the encoder's {@code query}, {@code key}, {@code value}, {@code attention_out},
 * {@code ffn_in}, {@code ffn_out}; the MLP's layer numbers). Canonical order (update-log spec §1): for each chosen
 * matrix in the inner order, {@code <name>.lora_a} then {@code <name>.lora_b} ({@code <name>} the matrix's name without
 * {@code .weight}), then the inner head's tensors under their own names.
 */
public final class LoraSpec implements ModelSpec {
    private static final long serialVersionUID = 1L;
    public static final String FAMILY = "lora";
    public static final String FORM = "lora:<rank>:<target>[+<target>...]:<inner model spec>";

    private final int rank;
    private final List<String> targets;
    private final ModelSpec inner;
    /** Per adapted matrix: its index among the inner tensors. */
    private final int[] adapted;
    /** The inner model's head tensors, in its order. */
    private final int[] innerHead;
    /** The inner tensors that make the frozen base, in the inner order. */
    private final int[] baseOfInner;

    public LoraSpec(int rank, List<String> targets, ModelSpec inner) {
        this.rank = rank;
        this.targets = List.copyOf(targets);
        this.inner = Objects.requireNonNull(inner, "inner");
        String text = "lora:" + rank + ":" + String.join("+", targets) + ":" + inner.toText();
        if (!inner.frozenBase().isEmpty()) {
            throw new InvalidConfigurationException("model spec", text, "the inner model " + inner.toText()
                    + " has a frozen base already; LoRA decorates a model whose tensors are all its own");
        }
        if (targets.isEmpty() || new LinkedHashSet<>(targets).size() != targets.size()) {
            throw new InvalidConfigurationException("model spec", text, "targets must be one or more distinct names, "
                    + "got " + targets);
        }
        List<TensorSpec> specs = inner.tensorSpecs();
        List<TensorRole> roles = inner.tensorRoles();
        this.innerHead = inner.tensorsWith(TensorRole.HEAD);
        if (innerHead.length == 0) {
            throw new InvalidConfigurationException("model spec", text, "the inner model " + inner.toText()
                    + " has no head to train beside the adapters");
        }
        List<Integer> chosen = new ArrayList<>();
        List<Integer> base = new ArrayList<>();
        List<String> unmatched = new ArrayList<>(targets);
        for (int t = 0; t < specs.size(); t++) {
            if (roles.get(t) == TensorRole.HEAD) {
                continue;
            }
            base.add(t);
            String target = targetOf(specs.get(t), roles.get(t));
            if (target != null && targets.contains(target)) {
                unmatched.remove(target);
                chosen.add(t);
                int[] shape = specs.get(t).shape();
                if (rank < 1 || rank > Math.min(shape[0], shape[1])) {
                    throw new InvalidConfigurationException("model spec", text, "LoRA rank " + rank + " must be in 1.."
                            + Math.min(shape[0], shape[1]) + " (the smaller side of " + specs.get(t) + ")");
                }
            }
        }
        if (!unmatched.isEmpty()) {
            throw new InvalidConfigurationException("model spec", text, "LoRA target(s) " + unmatched
                    + " match no body matrix of " + inner.toText() + "; its targets are " + targetsOf(inner));
        }
        this.adapted = chosen.stream().mapToInt(Integer::intValue).toArray();
        this.baseOfInner = base.stream().mapToInt(Integer::intValue).toArray();
    }

    public static LoraSpec parse(String text) {
        String[] parts = text.split(":", 4);
        if (parts.length != 4 || !parts[0].equals(FAMILY)) {
            throw new InvalidConfigurationException("model spec", text, "expected " + FORM);
        }
        int rank = ModelSpecs.number(text, parts[1], "LoRA rank");
        ModelSpec inner;
        try {
            inner = ModelSpecs.parse(parts[3]);
        } catch (InvalidConfigurationException e) {
            throw new InvalidConfigurationException("model spec", text, "its inner model spec: " + e.getMessage());
        }
        return new LoraSpec(rank, List.of(parts[2].split("\\+", -1)), inner);
    }

    /** The target name of a body matrix (the name's piece before {@code .weight}), or null for any other tensor. */
    private static String targetOf(TensorSpec spec, TensorRole role) {
        String name = spec.name();
        if (role != TensorRole.BODY || spec.rank() != 2 || !name.endsWith(".weight")) {
            return null;
        }
        String stem = name.substring(0, name.length() - ".weight".length());
        return stem.substring(stem.lastIndexOf('.') + 1);
    }

    /** The target names {@code inner} offers, for messages. */
    static List<String> targetsOf(ModelSpec inner) {
        LinkedHashSet<String> names = new LinkedHashSet<>();
        for (int t = 0; t < inner.tensorSpecs().size(); t++) {
            String target = targetOf(inner.tensorSpecs().get(t), inner.tensorRoles().get(t));
            if (target != null) {
                names.add(target);
            }
        }
        return List.copyOf(names);
    }

    public int rank() {
        return rank;
    }

    public List<String> targets() {
        return targets;
    }

    public ModelSpec inner() {
        return inner;
    }

    /** The inner index of each adapted matrix; adapter pair k is tensors 2k (A) and 2k + 1 (B). */
    int[] adapted() {
        return adapted.clone();
    }

    /** The inner index of each head tensor; the head is tensors {@code 2 * adapted().length ..}. */
    int[] innerHead() {
        return innerHead.clone();
    }

    /** The inner index of each base tensor, in the base's order. */
    int[] baseOfInner() {
        return baseOfInner.clone();
    }

    @Override
    public String family() {
        return FAMILY;
    }

    @Override
    public String toText() {
        return FAMILY + ":" + rank + ":" + String.join("+", targets) + ":" + inner.toText();
    }

    @Override
    public List<TensorSpec> tensorSpecs() {
        List<TensorSpec> innerSpecs = inner.tensorSpecs();
        List<TensorSpec> t = new ArrayList<>();
        for (int i : adapted) {
            TensorSpec w = innerSpecs.get(i);
            String stem = w.name().substring(0, w.name().length() - ".weight".length());
            t.add(new TensorSpec(stem + ".lora_a", new int[] {w.shape()[0], rank}));
            t.add(new TensorSpec(stem + ".lora_b", new int[] {rank, w.shape()[1]}));
        }
        for (int i : innerHead) {
            t.add(innerSpecs.get(i));
        }
        return t;
    }

    @Override
    public List<TensorRole> tensorRoles() {
        List<TensorRole> roles = new ArrayList<>(java.util.Collections.nCopies(2 * adapted.length, TensorRole.ADAPTER));
        roles.addAll(java.util.Collections.nCopies(innerHead.length, TensorRole.HEAD));
        return roles;
    }

    /** Every tensor of the inner model but its head, in the inner order. */
    @Override
    public List<TensorSpec> frozenBase() {
        List<TensorSpec> innerSpecs = inner.tensorSpecs();
        List<TensorSpec> base = new ArrayList<>();
        for (int i : baseOfInner) {
            base.add(innerSpecs.get(i));
        }
        return base;
    }

    @Override
    public InputKind inputKind() {
        return inner.inputKind();
    }

    @Override
    public int inputWidth() {
        return inner.inputWidth();
    }

    @Override
    public InputCodec inputCodec() {
        return inner.inputCodec();
    }

    @Override
    public Optional<String> vocabulary() {
        return inner.vocabulary();
    }

    @Override
    public int classes() {
        return inner.classes();
    }

    @Override
    public Model newModel(Objective objective) {
        return new LoraModel(this, inner.newModel(objective));
    }

    @Override
    public String toString() {
        return toText();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LoraSpec l && l.rank == rank && l.targets.equals(targets) && l.inner.equals(inner);
    }

    @Override
    public int hashCode() {
        return Objects.hash(rank, targets, inner);
    }
}
