package org.peft4j.backend.jvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import jdk.incubator.vector.Vector;
import jdk.incubator.vector.VectorMask;
import org.junit.jupiter.api.Test;

/**
 * The inlining directives name methods that exist (a renamed helper would silently fall out of
 * them), cover every helper of this package that passes vectors, and are in force on HotSpot.
 */
class JitDirectivesTest {

    @Test
    void everyPatternNamesAMethodOfThisPackage() {
        for (String pattern : Stream.concat(JitDirectives.FORCE_INLINE.stream(), JitDirectives.KEEP_OUT_OF_LINE.stream()).toList()) {
            assertTrue(!matching(pattern).isEmpty(), pattern + " matches no method");
        }
    }

    @Test
    void everyHelperThatPassesVectorsIsForcedInline() throws Exception {
        List<Class<?>> types = packageClasses();
        assertTrue(types.size() > 20, "found only " + types);
        for (Class<?> type : types) {
            for (Method m : type.getDeclaredMethods()) {
                if (m.isSynthetic() || !passesVectors(m)) continue;
                String name = type.getSimpleName();
                assertTrue(JitDirectives.FORCE_INLINE.stream().anyMatch(p -> matches(p, name, m.getName())),
                        name + "." + m.getName() + " passes vectors but is not forced inline");
            }
        }
    }

    private static boolean passesVectors(Method m) {
        return Stream.concat(Stream.of(m.getReturnType()), Arrays.stream(m.getParameterTypes()))
                .anyMatch(t -> Vector.class.isAssignableFrom(t) || VectorMask.class.isAssignableFrom(t));
    }

    /** The top-level classes compiled into this package's directory. */
    private static List<Class<?>> packageClasses() throws Exception {
        Path dir = Path.of(JitDirectives.class.getResource("JitDirectives.class").toURI()).getParent();
        try (Stream<Path> files = Files.list(dir)) {
            List<String> names = files.map(f -> f.getFileName().toString()).filter(f -> f.endsWith(".class") && !f.contains("$")).toList();
            List<Class<?>> types = new ArrayList<>();
            for (String f : names) types.add(Class.forName(JitDirectives.class.getPackageName() + "." + f.replace(".class", "")));
            return types;
        }
    }

    @Test
    void directivesAreInForceOnHotSpot() {
        assertTrue(JitDirectives.installed(), "the DiagnosticCommand MBean refused " + JitDirectives.directives());
        assertEquals(JitDirectives.installed(), JvmBackend.vectorHelpersInlined());
    }

    private static List<Method> matching(String pattern) {
        String type = pattern.substring(0, pattern.indexOf('.')), method = pattern.substring(pattern.indexOf('.') + 1);
        try {
            return Arrays.stream(Class.forName(JitDirectives.class.getPackageName() + "." + type).getDeclaredMethods())
                    .filter(m -> matches(pattern, type, m.getName())).toList();
        } catch (ClassNotFoundException e) {
            return List.of();
        }
    }

    /** HotSpot's method pattern: {@code Class.method}, where the method part may start or end with {@code *}. */
    private static boolean matches(String pattern, String type, String method) {
        String[] parts = pattern.split("\\.");
        if (!parts[0].equals(type)) return false;
        String p = parts[1];
        if (p.equals("*")) return true;
        if (p.startsWith("*")) return method.endsWith(p.substring(1));
        if (p.endsWith("*")) return method.startsWith(p.substring(0, p.length() - 1));
        return method.equals(p);
    }
}
