package org.peft4j.backend.tornado;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Function;
import org.peft4j.tensor.IntTensor;
import org.peft4j.tensor.Tensor;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.WorkerGrid;

/**
 * The {@link Device} a {@link ResidentPlan} is recorded on: each call's kernels join the task list
 * of the current plan stage, over the tensors' own arrays (no staging), and {@link #run} only
 * fixes the call's scalars, which are constants of a recorded plan. A stage too big for one
 * TornadoVM task graph (its graph builder holds at most 1024 nodes: about one per task argument
 * and a few per array) continues in a next part at a call boundary.
 */
final class ResidentRecorder implements Device {
    /** Tasks·10 + arrays·4, a bound on a task graph's nodes with room to spare (a layer's backward is ~500). */
    private static final int MAX_GRAPH_WEIGHT = 800;

    /** One plan stage (or a part of one): its tasks, the arrays they touch (in first-use order), and its constant arrays. */
    static final class Stage {
        final String name;
        final List<Object> arrays = new ArrayList<>();
        private final Set<Object> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        final List<Object> constants = new ArrayList<>();
        final List<Consumer<TaskGraph>> tasks = new ArrayList<>();
        final Map<String, WorkerGrid> grids = new LinkedHashMap<>();

        Stage(String name) { this.name = name; }

        private void touch(Object array) {
            if (seen.add(array)) arrays.add(array);
        }

        private int weight() { return tasks.size() * 10 + (arrays.size() + constants.size()) * 4; }
    }

    /** A recorded call: the scalar blocks its kernels read, filled once by {@link #run}. */
    private record RecordedCall(List<float[]> scalars) implements Call {}

    private final List<Stage> stages = new ArrayList<>();
    private Stage current;
    private String stageName;
    private int calls, part;

    List<Stage> stages() { return stages; }

    @Override
    public void stage(String name) {
        stageName = name;
        part = 1;
        startStage(name);
    }

    @Override
    public Call call(String kernel, Function<Builder, Call> build, Object... sizes) {
        if (current == null) stage("");
        else if (current.weight() > MAX_GRAPH_WEIGHT) startStage(stageName + "_part" + ++part);
        return build.apply(new StageBuilder(current, kernel + calls++));
    }

    private void startStage(String name) {
        current = new Stage(name);
        stages.add(current);
    }

    @Override
    public void run(Call call, float[][] scalars, Object... operands) {
        List<float[]> blocks = ((RecordedCall) call).scalars();
        for (int i = 0; i < scalars.length; i++) System.arraycopy(scalars[i], 0, blocks.get(i), 0, scalars[i].length);
    }

    @Override
    public void hostFallback(String op) {
        throw new UnsupportedOperationException(op + " would run on the host for these operands");
    }

    /** Adds one call's kernels to {@code stage}, its task names prefixed with {@code prefix}. */
    private static final class StageBuilder implements Builder {
        private final Stage stage;
        private final String prefix;
        private final List<float[]> scalars = new ArrayList<>();

        StageBuilder(Stage stage, String prefix) {
            this.stage = stage;
            this.prefix = prefix;
        }

        @Override
        public float[] operand(Tensor like, Use use) {
            if (like.offset() != 0 || like.size() != like.data().length) {
                throw new UnsupportedOperationException("tensor " + like.name() + " is a view of part of its array");
            }
            stage.touch(like.data());
            return like.data();
        }

        @Override
        public int[] operand(IntTensor like, Use use) {
            stage.touch(like.data());
            return like.data();
        }

        @Override
        public float[] scratch(int size) {
            return constant(new float[size]);
        }

        @Override
        public int[] sizes(int... values) {
            return constant(values.clone());
        }

        @Override
        public float[] scalars(int count) {
            float[] block = constant(new float[count]);
            scalars.add(block);
            return block;
        }

        @Override
        public Builder task(String id, BiConsumer<TaskGraph, String> add, WorkerGrid grid) {
            String name = prefix + "_" + id;
            stage.tasks.add(g -> add.accept(g, name));
            if (grid != null) stage.grids.put(name, grid);
            return this;
        }

        @Override
        public Call build() {
            return new RecordedCall(List.copyOf(scalars));
        }

        private <A> A constant(A array) {
            stage.constants.add(array);
            return array;
        }
    }
}
