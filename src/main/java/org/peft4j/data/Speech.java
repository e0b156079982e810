package org.peft4j.data;

/** One State of the Union address: its year, the president who gave it, the president's party, and its text. */
public record Speech(int year, String president, String party, String text) {}
