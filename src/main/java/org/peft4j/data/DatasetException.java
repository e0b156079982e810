package org.peft4j.data;

/** A dataset that cannot be used: not fetched, or a file in it is missing or malformed. */
public sealed class DatasetException extends RuntimeException
        permits MissingDatasetException, MalformedDatasetException {
    DatasetException(String message, Throwable cause) {
        super(message, cause);
    }
}
