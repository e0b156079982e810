package org.peft4j.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs on the fetched corpus ({@code scripts/fetch-data spam}); a missing corpus fails with that command. */
class SpamAssassinTest {
    private static List<Email> emails;

    @BeforeAll
    static void load() {
        emails = SpamAssassin.load(DataDirectory.resolve());
    }

    private static Email email(String group, String idPrefix) {
        return emails.stream().filter(e -> e.group().equals(group) && e.id().startsWith(idPrefix)).findFirst().orElseThrow();
    }

    private static long spam(List<Email> part) {
        return part.stream().filter(e -> e.label() == Email.SPAM).count();
    }

    @Test
    void groupsHaveTheirPublishedSizesAndLabels() {
        Map<String, Long> perGroup = emails.stream()
                .collect(Collectors.groupingBy(Email::group, LinkedHashMap::new, Collectors.counting()));
        assertEquals(Map.of("easy-ham-1", 2500L, "easy-ham-2", 1400L, "hard-ham-1", 250L, "spam-1", 500L, "spam-2", 1396L), perGroup);
        assertEquals(SpamAssassin.GROUPS, List.copyOf(perGroup.keySet()), "mails come group by group");
        assertEquals(1896, spam(emails));
        for (Email email : emails) {
            assertEquals(email.group().startsWith("spam") ? Email.SPAM : Email.HAM, email.label(), email.id());
        }
        assertEquals(emails.size(), emails.stream().map(e -> e.group() + "/" + e.id()).distinct().count(), "ids are unique per group");
        assertTrue(emails.stream().allMatch(e -> e.id().matches("\\d{5}\\.[0-9a-f]{32}")));
    }

    @Test
    void realHtmlSpamLosesHeadersAndMarkupButKeepsSubjectAndWords() {
        Email mail = email("spam-1", "00001.7848dde101aa985090474a91ec93fcf0");
        assertTrue(mail.text().startsWith("Subject: Life Insurance - Why Pay More?\nSave up to 70% on Life Insurance."), mail.text());
        assertTrue(mail.text().contains("Ensuring your family's financial security is very important."), mail.text());
        for (String gone : List.of("Return-Path", "Received:", "Message-ID", "Content-Type", "<TABLE", "<", "=3D", "&nbsp;")) {
            assertFalse(mail.text().contains(gone), gone + " should be gone");
        }
    }

    @Test
    void realQuotedPrintableMailIsDecoded() {
        Email mail = email("spam-2", "00716.");
        assertTrue(mail.text().startsWith("Subject: Employee Productivity in Tough Times\n"), mail.text());
        assertTrue(mail.text().contains("a customer service representative"), "soft line break must be joined");
    }

    @Test
    void realLatin1MailKeepsItsPoundSign() {
        Email mail = email("easy-ham-1", "00007.");
        assertTrue(mail.text().startsWith("Subject: [zzzzteana] Playboy wants to go out with a bang\nThe Scotsman - 22 August 2002"));
        assertTrue(mail.text().contains("(\u00A3160,000)"), mail.text());
        assertFalse(emails.stream().anyMatch(e -> e.text().contains("\uFFFD")), "no byte may turn into U+FFFD");
    }

    @Test
    void splitIs80_10_10AndStratifiedByLabel() {
        Split<Email> split = SpamAssassin.split(emails, 42);
        // round(0.1 · 4150 ham) = 415 and round(0.1 · 1896 spam) = 190 in validation and in test each.
        assertEquals(415 + 190, split.validation().size());
        assertEquals(415 + 190, split.test().size());
        assertEquals(6046 - 2 * 605, split.train().size());
        assertEquals(190, spam(split.validation()));
        assertEquals(190, spam(split.test()));
        assertEquals(1896 - 380, spam(split.train()));
        var union = new HashSet<Email>();
        Stream.of(split.train(), split.validation(), split.test()).forEach(union::addAll);
        assertEquals(new HashSet<>(emails), union, "parts must partition the corpus");
        double spamShare = 1896.0 / 6046;
        for (List<Email> part : List.of(split.train(), split.validation(), split.test())) {
            assertEquals(spamShare, (double) spam(part) / part.size(), 0.002, "each part keeps the spam share");
        }
    }

    @Test
    void sameSeedSameSplitOtherSeedOtherSplit() {
        Split<Email> split = SpamAssassin.split(emails, 42);
        assertEquals(split, SpamAssassin.split(List.copyOf(emails), 42));
        assertNotEquals(new HashSet<>(split.test()), new HashSet<>(SpamAssassin.split(emails, 43).test()));
    }

    @Test
    void missingGroupFolderIsNamed(@TempDir Path root) throws IOException {
        Path data = FetchedFolders.create(root, Dataset.SPAM, "data/easy-ham-1");
        var missing = assertThrows(MalformedDatasetException.class, () -> SpamAssassin.load(new DataDirectory(root)));
        assertEquals(data.resolveSibling("easy-ham-2"), missing.file());
        assertTrue(missing.getMessage().endsWith("easy-ham-2: missing"), missing.getMessage());
    }
}
