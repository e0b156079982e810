package org.peft4j.peft;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which Linear layers an adapter attaches to, with PEFT's semantics:
 * <ul>
 *   <li>{@code names}: a module matches if its name equals an entry or ends with {@code "." + entry};</li>
 *   <li>{@code regex}: the whole module name must match ({@code re.fullmatch});</li>
 *   <li>{@code allLinear}: every Linear except output heads ({@code "all-linear"});</li>
 *   <li>{@code exclude}: the same two forms, applied after;</li>
 *   <li>{@code layers}: only modules inside these layer indices ({@code layers_to_transform}).</li>
 * </ul>
 */
public record TargetModules(List<String> names, String regex, boolean allLinear, List<String> exclude,
                            String excludeRegex, List<Integer> layers) {

    private static final Pattern LAYER_INDEX = Pattern.compile(".*\\.(?:layer|layers|h|blocks)\\.(\\d+)\\..*");

    public TargetModules {
        names = names == null ? List.of() : List.copyOf(names);
        exclude = exclude == null ? List.of() : List.copyOf(exclude);
        layers = layers == null ? List.of() : List.copyOf(layers);
        int forms = (names.isEmpty() ? 0 : 1) + (regex == null ? 0 : 1) + (allLinear ? 1 : 0);
        if (forms != 1) {
            throw new IllegalArgumentException("target_modules needs exactly one of: a list of names, a regex, or \"all-linear\"");
        }
    }

    public static TargetModules of(String... names) {
        return new TargetModules(List.of(names), null, false, List.of(), null, List.of());
    }

    public static TargetModules matching(String regex) {
        return new TargetModules(List.of(), regex, false, List.of(), null, List.of());
    }

    public static TargetModules everyLinear() {
        return new TargetModules(List.of(), null, true, List.of(), null, List.of());
    }

    public TargetModules excluding(String... modules) {
        return new TargetModules(names, regex, allLinear, List.of(modules), excludeRegex, layers);
    }

    public TargetModules inLayers(Integer... indices) {
        return new TargetModules(names, regex, allLinear, exclude, excludeRegex, List.of(indices));
    }

    /** Whether {@code module} is targeted; {@code heads} are the model's output heads. */
    public boolean matches(String module, List<String> heads) {
        boolean hit = allLinear ? !heads.contains(module) : regex != null ? module.matches(regex) : matchesName(names, module);
        if (!hit || matchesName(exclude, module) || (excludeRegex != null && module.matches(excludeRegex))) return false;
        if (layers.isEmpty()) return true;
        Matcher m = LAYER_INDEX.matcher(module);
        return m.matches() && layers.contains(Integer.parseInt(m.group(1)));
    }

    static boolean matchesName(List<String> entries, String module) {
        for (String e : entries) if (module.equals(e) || module.endsWith("." + e)) return true;
        return false;
    }

    /** PEFT's JSON value of {@code target_modules}. */
    public Object peftValue() {
        return allLinear ? "all-linear" : regex != null ? regex : names;
    }
}
