package org.peft4j.experiment;

import java.util.List;
import java.util.function.Function;
import java.util.function.ToIntFunction;
import org.peft4j.data.DataDirectory;
import org.peft4j.data.Email;
import org.peft4j.data.Sotu;
import org.peft4j.data.SotuPassages;
import org.peft4j.data.SpamAssassin;
import org.peft4j.data.Speech;
import org.peft4j.data.Split;
import org.peft4j.text.WordPieceTokenizer;
import org.peft4j.train.ClassificationBatches.Example;

/**
 * A labelled text dataset tokenised for a BERT classifier: each text becomes
 * {@code [CLS] pieces… [SEP]} truncated to the tokenizer's max length, with its class index.
 * Every method that classifies SpamAssassin (linear probe, LoRA fine-tuning) starts here, so
 * they see the same split and the same token ids.
 */
public record TextClassificationData(String name, List<String> classes, List<Example> train, List<Example> validation,
                                     List<Example> test) {
    public TextClassificationData {
        classes = List.copyOf(classes);
        train = List.copyOf(train);
        validation = List.copyOf(validation);
        test = List.copyOf(test);
    }

    /**
     * SpamAssassin's seeded, stratified 80/10/10 split ({@link SpamAssassin#split}): ham = 0,
     * spam = 1. {@code limit > 0} keeps at most that many mails of each part ({@link Split#limit}).
     */
    public static TextClassificationData spamAssassin(DataDirectory directory, WordPieceTokenizer tokenizer, long seed, int limit) {
        if (limit < 0) throw new IllegalArgumentException("limit must be ≥ 0 (0 = every mail), got " + limit);
        Split<Email> split = SpamAssassin.split(SpamAssassin.load(directory), seed);
        return tokenize("SpamAssassin", List.of("ham", "spam"), limit > 0 ? split.limit(limit) : split, Email::text, Email::label,
                tokenizer);
    }

    /**
     * State of the Union passages ({@link SotuPassages}, {@code words}+ words) labelled by era:
     * 0 = speech before {@code pivotYear}, 1 = from it on. Whole speeches go to one part (80/10/10,
     * stratified by era), so no speech is split between train and test. {@code limit > 0} keeps at
     * most that many passages of each part, a seeded sample.
     */
    public static TextClassificationData sotuEras(DataDirectory directory, WordPieceTokenizer tokenizer, int pivotYear, int words,
                                                  long seed, int limit) {
        if (limit < 0) throw new IllegalArgumentException("limit must be ≥ 0 (0 = every passage), got " + limit);
        ToIntFunction<Speech> era = speech -> speech.year() < pivotYear ? 0 : 1;
        Split<Speech> speeches = Split.stratified(Sotu.load(directory), era, 0.1, 0.1, seed);
        Function<List<Speech>, List<SotuPassages.Passage>> passages = part -> {
            List<SotuPassages.Passage> out = new java.util.ArrayList<>();
            for (Speech speech : part) out.addAll(SotuPassages.of(speech, words));
            java.util.Collections.shuffle(out, new java.util.Random(seed));
            return out;
        };
        Split<SotuPassages.Passage> split = new Split<>(passages.apply(speeches.train()), passages.apply(speeches.validation()),
                passages.apply(speeches.test()));
        return tokenize("SOTU era", List.of("before " + pivotYear, pivotYear + " on"), limit > 0 ? split.limit(limit) : split,
                SotuPassages.Passage::text, p -> p.year() < pivotYear ? 0 : 1, tokenizer);
    }

    /** Tokenises every part of {@code split}. */
    public static <T> TextClassificationData tokenize(String name, List<String> classes, Split<T> split, Function<T, String> text,
                                                      ToIntFunction<T> label, WordPieceTokenizer tokenizer) {
        // Labels are checked on this thread first: an exception thrown inside the parallel stream
        // may come back re-wrapped by the fork-join pool, with another message.
        for (List<T> part : List.of(split.train(), split.validation(), split.test())) {
            for (T item : part) {
                int y = label.applyAsInt(item);
                if (y < 0 || y >= classes.size()) throw new IllegalArgumentException(name + ": label " + y + " is not one of " + classes);
            }
        }
        Function<List<T>, List<Example>> encode = items -> items.parallelStream()
                .map(item -> new Example(tokenizer.encode(text.apply(item)).ids(), label.applyAsInt(item))).toList();
        return new TextClassificationData(name, classes, encode.apply(split.train()), encode.apply(split.validation()),
                encode.apply(split.test()));
    }

    public int size() { return train.size() + validation.size() + test.size(); }
}
