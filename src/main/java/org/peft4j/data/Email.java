package org.peft4j.data;

/**
 * One SpamAssassin mail: {@code id} is its file name without {@code .txt} ({@code <number>.<md5>}),
 * {@code group} its corpus group (e.g. {@code easy-ham-1}), {@code text} its {@link MailText}
 * and {@code label} {@link #HAM} or {@link #SPAM}.
 */
public record Email(String id, String group, String text, int label) {
    public static final int HAM = 0;
    public static final int SPAM = 1;
}
