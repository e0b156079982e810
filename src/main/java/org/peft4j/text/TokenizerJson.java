package org.peft4j.text;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.CharConversionException;
import java.io.IOException;
import java.io.InputStream;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads the parts of a Hugging Face {@code tokenizer.json} a BERT WordPiece tokenizer uses: the
 * WordPiece model, the BertNormalizer settings, the BertPreTokenizer, the [CLS]/[SEP] of the
 * post-processor, added tokens, and the truncation length and padding token.
 */
final class TokenizerJson {
    private TokenizerJson() {}

    static WordPieceTokenizer read(InputStream in) throws IOException {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(in);
        } catch (JacksonException e) {
            throw new TokenizerFormatException("not valid JSON: " + e.getOriginalMessage(), e);
        } catch (CharConversionException e) { // bytes that are no text in the encoding Jackson detected
            throw new TokenizerFormatException("not valid JSON text: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) throw new TokenizerFormatException("not a tokenizer.json: expected a JSON object");
        JsonNode model = required(root, "model");
        requireType(model, "model", "WordPiece");
        requireType(required(root, "pre_tokenizer"), "pre_tokenizer", "BertPreTokenizer");

        Map<String, Integer> vocab = new HashMap<>();
        JsonNode vocabNode = required(model, "vocab");
        if (!vocabNode.isObject() || vocabNode.isEmpty()) throw new TokenizerFormatException("model.vocab must be a non-empty object");
        String[] tokens = new String[vocabNode.size()];
        for (var entry : vocabNode.properties()) {
            int id = entry.getValue().asInt(-1);
            if (!entry.getValue().isInt() || id < 0 || id >= tokens.length || tokens[id] != null) {
                throw new TokenizerFormatException("model.vocab: id " + entry.getValue() + " of '" + entry.getKey()
                        + "' is not a unique id in [0, " + tokens.length + ")");
            }
            tokens[id] = entry.getKey();
            vocab.put(entry.getKey(), id);
        }
        String unk = text(model, "unk_token", "[UNK]");
        WordPiece wordPiece = new WordPiece(vocab, id(vocab, unk, "model.unk_token"),
                text(model, "continuing_subword_prefix", "##"), model.path("max_input_chars_per_word").asInt(100));

        Map<String, Integer> added = new LinkedHashMap<>();
        for (JsonNode token : root.path("added_tokens")) {
            String content = token.path("content").asText();
            for (String unsupported : new String[] {"single_word", "lstrip", "rstrip", "normalized"}) {
                if (token.path(unsupported).asBoolean(false)) {
                    throw new TokenizerFormatException("added token '" + content + "' sets " + unsupported + ", which is not supported");
                }
            }
            if (content.isEmpty() || !token.path("id").isInt()) throw new TokenizerFormatException("added token " + token + " needs content and id");
            int id = token.get("id").asInt();
            if (id < 0 || id >= tokens.length) {
                throw new TokenizerFormatException("added token '" + content + "' has id " + id + ", outside the vocabulary of "
                        + tokens.length + " tokens; added tokens beyond model.vocab are not supported");
            }
            added.put(content, id);
        }

        JsonNode post = required(root, "post_processor");
        int[] clsSep = switch (post.path("type").asText()) {
            case "BertProcessing" -> new int[] {post.path("cls").path(1).asInt(-1), post.path("sep").path(1).asInt(-1)};
            case "TemplateProcessing" -> templateClsSep(post);
            default -> throw new TokenizerFormatException("post_processor.type is '" + post.path("type").asText()
                    + "'; only BertProcessing and TemplateProcessing [CLS] $A [SEP] are supported");
        };
        for (int id : clsSep) {
            if (id < 0 || id >= tokens.length) throw new TokenizerFormatException("post_processor names special token id " + id + " outside the vocabulary");
        }

        JsonNode padding = root.path("padding");
        int padId = padding.path("pad_id").isInt() ? padding.get("pad_id").asInt() : id(vocab, "[PAD]", "padding token");
        if (padId < 0 || padId >= tokens.length) throw new TokenizerFormatException("padding.pad_id " + padId + " is outside the vocabulary");
        JsonNode truncation = root.path("truncation");
        int maxLength = WordPieceTokenizer.DEFAULT_MAX_LENGTH;
        if (truncation.isObject()) {
            if (!truncation.path("direction").asText("Right").equals("Right")) {
                throw new TokenizerFormatException("truncation.direction '" + truncation.path("direction").asText() + "' is not supported");
            }
            maxLength = truncation.path("max_length").asInt(WordPieceTokenizer.DEFAULT_MAX_LENGTH);
        }
        return new WordPieceTokenizer(normalizer(root.path("normalizer")), wordPiece, added, tokens, clsSep[0], clsSep[1],
                padId, padding.path("pad_type_id").asInt(0), maxLength);
    }

    /** BertNormalizer settings; {@code strip_accents: null} follows {@code lowercase}, as in Hugging Face. */
    private static BertNormalizer normalizer(JsonNode n) throws TokenizerFormatException {
        if (n.isMissingNode() || n.isNull()) return new BertNormalizer(false, false, false, false);
        requireType(n, "normalizer", "BertNormalizer");
        boolean lowercase = n.path("lowercase").asBoolean(true);
        JsonNode strip = n.path("strip_accents");
        return new BertNormalizer(n.path("clean_text").asBoolean(true), n.path("handle_chinese_chars").asBoolean(true),
                strip.isBoolean() ? strip.asBoolean() : lowercase, lowercase);
    }

    /** The ids of the two special tokens of the single-sequence template {@code [CLS] $A [SEP]}. */
    private static int[] templateClsSep(JsonNode post) throws TokenizerFormatException {
        JsonNode single = post.path("single");
        if (single.size() != 3 || !single.get(0).has("SpecialToken") || !single.get(1).has("Sequence") || !single.get(2).has("SpecialToken")) {
            throw new TokenizerFormatException("post_processor.single is " + single + "; only [CLS] $A [SEP] templates are supported");
        }
        int[] ids = new int[2];
        for (int i = 0; i < 2; i++) {
            String name = single.get(2 * i).get("SpecialToken").path("id").asText();
            JsonNode special = post.path("special_tokens").path(name).path("ids");
            if (special.size() != 1) throw new TokenizerFormatException("post_processor.special_tokens." + name + " must have exactly one id");
            ids[i] = special.get(0).asInt();
        }
        return ids;
    }

    private static JsonNode required(JsonNode node, String field) throws TokenizerFormatException {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) throw new TokenizerFormatException("not a tokenizer.json: no '" + field + "'");
        return value;
    }

    private static void requireType(JsonNode node, String field, String type) throws TokenizerFormatException {
        String actual = node.path("type").asText();
        if (!actual.equals(type)) {
            throw new TokenizerFormatException(field + ".type is '" + actual + "'; only " + type + " is supported");
        }
    }

    private static String text(JsonNode node, String field, String fallback) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? fallback : value.asText();
    }

    private static int id(Map<String, Integer> vocab, String token, String role) throws TokenizerFormatException {
        Integer id = vocab.get(token);
        if (id == null) throw new TokenizerFormatException(role + " '" + token + "' is not in the vocabulary");
        return id;
    }
}
