package org.peft4j.data;

import java.nio.file.Path;
import java.util.List;

/**
 * The SpamAssassin public corpus ({@link Dataset#SPAM}): 6046 raw mails in
 * {@code data/<group>/<number>.<md5>.txt}, 4150 ham and 1896 spam. Mails are read from the raw
 * {@code .txt} bytes (the package's {@code .json} copies replace undecodable bytes with U+FFFD)
 * and turned into model input by {@link MailText}.
 */
public final class SpamAssassin {
    /** Corpus groups in load order; a group is spam exactly when its name starts with {@code spam}. */
    public static final List<String> GROUPS = List.of("easy-ham-1", "easy-ham-2", "hard-ham-1", "spam-1", "spam-2");
    public static final double VALIDATION_FRACTION = 0.1;
    public static final double TEST_FRACTION = 0.1;

    private SpamAssassin() {}

    /** All mails, by group in {@link #GROUPS} order, then by file name. */
    public static List<Email> load(DataDirectory directory) {
        Path data = directory.require(Dataset.SPAM).resolve("data");
        return GROUPS.stream()
                .flatMap(group -> DatasetFiles.list(data.resolve(group), ".txt").stream().map(file -> email(group, file)))
                .toList();
    }

    /** 80/10/10 train/validation/test, stratified by label: each part keeps the ham/spam ratio (to rounding). */
    public static Split<Email> split(List<Email> emails, long seed) {
        return Split.stratified(emails, Email::label, VALIDATION_FRACTION, TEST_FRACTION, seed);
    }

    private static Email email(String group, Path file) {
        String name = file.getFileName().toString();
        return new Email(name.substring(0, name.length() - ".txt".length()), group,
                MailText.of(DatasetFiles.bytes(file)), group.startsWith("spam") ? Email.SPAM : Email.HAM);
    }
}
