package org.peft4j.backend;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.function.Consumer;

/**
 * An ordered list of kernel invocations over pre-shaped tensors, recorded once per batch shape
 * and replayed every step.
 *
 * <pre>
 *   Plan step = Plan.record(ops -&gt; model.forwardBackward(ops, workspace));
 *   for (...) { fill(workspace.inputs); step.run(backend); }
 * </pre>
 *
 * The JVM backend replays the list call by call; a device backend may instead compile each
 * {@link Ops#stage stage} into one task graph of a long-lived execution plan. Recording runs no
 * kernel, so the recorded code must not read computed values on the host.
 */
public final class Plan {

    /** One recorded call: the {@link Ops} method, its arguments, and the stage it belongs to. */
    public record Invocation(String stage, Method kernel, Object[] args) {
        public String kernelName() { return kernel.getName(); }

        /** Calls the kernel on {@code target}, rethrowing what it throws as it was thrown. */
        public void invokeOn(Ops target) {
            try {
                kernel.invoke(target, args);
            } catch (InvocationTargetException e) {
                if (e.getCause() instanceof RuntimeException re) throw re;
                if (e.getCause() instanceof Error err) throw err;
                throw new IllegalStateException(e.getCause());
            } catch (IllegalAccessException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private final List<Invocation> invocations;

    private Plan(List<Invocation> invocations) {
        this.invocations = List.copyOf(invocations);
    }

    /** Records every {@link Ops} call that {@code body} makes, in order. */
    public static Plan record(Consumer<Ops> body) {
        List<Invocation> recorded = new ArrayList<>();
        String[] stage = {""};
        Ops recorder = (Ops) Proxy.newProxyInstance(Ops.class.getClassLoader(), new Class<?>[] {Ops.class},
                (proxy, method, args) -> {
                    if (method.getDeclaringClass() == Object.class) {
                        return switch (method.getName()) {
                            case "hashCode" -> System.identityHashCode(proxy);
                            case "equals" -> proxy == args[0];
                            default -> "Plan.recorder";
                        };
                    }
                    if (method.getName().equals("stage")) {
                        stage[0] = (String) args[0];
                    } else {
                        recorded.add(new Invocation(stage[0], method, args == null ? new Object[0] : args.clone()));
                    }
                    return null;
                });
        body.accept(recorder);
        return new Plan(recorded);
    }

    /** Replays every invocation on {@code target}, announcing each stage change. */
    public void run(Ops target) {
        String current = null;
        for (Invocation call : invocations) {
            if (!call.stage().equals(current)) {
                current = call.stage();
                target.stage(current);
            }
            call.invokeOn(target);
        }
    }

    public List<Invocation> invocations() { return invocations; }

    /** The distinct stage names in first-seen order. */
    public List<String> stages() {
        LinkedHashSet<String> names = new LinkedHashSet<>();
        for (Invocation call : invocations) names.add(call.stage());
        return List.copyOf(names);
    }

    public int size() { return invocations.size(); }
}
