package org.peft4j.model;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.peft4j.nn.bert.BertCheckpoint;
import org.peft4j.nn.bert.BertEncoder;
import org.peft4j.text.WordPieceTokenizer;

/**
 * A pretrained BERT encoder's weights and the tokenizer whose ids it was trained on:
 * <pre>
 *   miniLm()     all-MiniLM-L6-v2 from the classpath (the default model)
 *   load(PATH)   PATH read by {@link BertCheckpointFiles}, with tokenizer.json from PATH's folder
 *                when there is one, else the all-MiniLM-L6-v2 tokenizer
 * </pre>
 */
public record PretrainedBert(String source, BertCheckpoint checkpoint, WordPieceTokenizer tokenizer) {
    /** The tokenizer file looked for next to a model file. */
    public static final String TOKENIZER_FILE = "tokenizer.json";

    public PretrainedBert {
        if (tokenizer.vocabSize() != checkpoint.config().vocabSize()) {
            throw new IllegalArgumentException(source + ": the tokenizer has " + tokenizer.vocabSize()
                    + " tokens but the model's vocabulary has " + checkpoint.config().vocabSize()
                    + "; put the model's " + TOKENIZER_FILE + " next to it");
        }
    }

    /** all-MiniLM-L6-v2 (6 layers, hidden 384, 22.7 M weights) and its uncased WordPiece tokenizer. */
    public static PretrainedBert miniLm() throws IOException {
        return new PretrainedBert("all-MiniLM-L6-v2", org.peft4j.io.onnx.BertOnnxImporter.loadMiniLm(), WordPieceTokenizer.miniLm());
    }

    /** The model in {@code file} (see the class comment); errors name the file. */
    public static PretrainedBert load(Path file) throws IOException {
        BertCheckpoint checkpoint = BertCheckpointFiles.read(file);
        Path tokenizerFile = file.resolveSibling(TOKENIZER_FILE);
        WordPieceTokenizer tokenizer = Files.isRegularFile(tokenizerFile)
                ? WordPieceTokenizer.fromJson(tokenizerFile) : WordPieceTokenizer.miniLm();
        return new PretrainedBert(file.toString(), checkpoint, tokenizer);
    }

    /** {@link #load} when {@code file} is given, else {@link #miniLm}. */
    public static PretrainedBert loadOrMiniLm(Path file) throws IOException {
        return file == null ? miniLm() : load(file);
    }

    /** A new encoder holding these weights ({@code seed} drives dropout only). */
    public BertEncoder encoder(long seed, boolean trainable) {
        return BertEncoder.pretrained(checkpoint, seed, trainable);
    }
}
