package org.peft4j.io;

import java.io.BufferedOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

/**
 * Writes that either complete or leave the previous contents untouched.
 *
 * <pre>
 *   file:      write .NAME.tmp-R → fsync → rename over NAME → fsync parent directory
 *   directory: fill .NAME.tmp-R/ → fsync its files → [rename NAME → .NAME.old-R] → rename
 *              .NAME.tmp-R → NAME → fsync parent directory → delete .NAME.old-R
 * </pre>
 *
 * On any failure before the final rename the temporary sibling is deleted and the target is as
 * it was. Renames use {@code ATOMIC_MOVE}; a file write falls back to {@code REPLACE_EXISTING}
 * only where the file system cannot move atomically. Syncing the parent directory is
 * best-effort (some platforms cannot open a directory). A directory cannot be swapped in one
 * rename, so between its two renames {@code NAME} is briefly absent; both the old and the new
 * complete copies exist throughout, and a crash in that window leaves the old one as
 * {@code .NAME.old-R} and the new one as {@code .NAME.tmp-R}. If deleting the old copy fails
 * after the swap, the exception reports it while the new directory is already in place. New
 * files get the default
 * permissions, not those of the file they replace.
 */
public final class AtomicFiles {
    private AtomicFiles() {}

    /** Replaces {@code target} with what {@code body} writes; closing the stream is optional. */
    public static void write(Path target, IOConsumer<? super OutputStream> body) throws IOException {
        Path temp = sibling(target, "tmp");
        try {
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                var out = new BufferedOutputStream(Channels.newOutputStream(channel), 1 << 16);
                body.accept(new KeepOpen(out));
                out.flush();
                channel.force(true);
            }
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (Throwable t) {
            deleteAfterFailure(temp, t);
            throw t;
        }
        syncDirectory(parentOf(target));
    }

    /**
     * Replaces the directory {@code target} with one that {@code fill} populates (it receives
     * the empty staging directory and may create files and subdirectories in it).
     */
    public static void writeDirectory(Path target, IOConsumer<? super Path> fill) throws IOException {
        Path staging = sibling(target, "tmp");
        Files.createDirectory(staging);
        Path previous = null;
        try {
            fill.accept(staging);
            syncTree(staging);
            if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                previous = swap(staging, target);
            } else {
                Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
            }
        } catch (Throwable t) {
            deleteAfterFailure(staging, t);
            throw t;
        }
        syncDirectory(parentOf(target));
        if (previous != null) deleteTree(previous);
    }

    /**
     * Moves {@code target} aside and {@code staging} in its place, returning where the old copy
     * went; if the second move fails, the old copy is moved back.
     */
    private static Path swap(Path staging, Path target) throws IOException {
        Path previous = sibling(target, "old");
        Files.move(target, previous, StandardCopyOption.ATOMIC_MOVE);
        try {
            Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (Throwable t) {
            try {
                Files.move(previous, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException restore) {
                t.addSuppressed(restore);
            }
            throw t;
        }
        return previous;
    }

    private static Path sibling(Path target, String kind) {
        Path name = target.getFileName();
        if (name == null) throw new IllegalArgumentException("cannot write atomically to " + target + ": it has no file name");
        return parentOf(target).resolve("." + name + "." + kind + "-" + Long.toHexString(ThreadLocalRandom.current().nextLong()));
    }

    private static Path parentOf(Path target) {
        Path parent = target.toAbsolutePath().getParent();
        if (parent == null) throw new IllegalArgumentException("cannot write atomically to " + target + ": it has no parent directory");
        return parent;
    }

    private static void syncTree(Path root) throws IOException {
        List<Path> paths;
        try (Stream<Path> walk = Files.walk(root)) {
            paths = walk.toList();
        }
        for (Path p : paths) {
            if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                try (FileChannel channel = FileChannel.open(p, StandardOpenOption.WRITE)) {
                    channel.force(true);
                }
            } else if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                syncDirectory(p);
            }
        }
    }

    /** Best-effort fsync of a directory, so that a rename inside it survives a crash. */
    private static void syncDirectory(Path dir) {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException unsupported) {
            // Not every platform can open or sync a directory; the rename itself has happened.
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) return;
        List<Path> paths;
        try (Stream<Path> walk = Files.walk(root)) {
            paths = walk.sorted(Comparator.reverseOrder()).toList();
        }
        for (Path p : paths) Files.deleteIfExists(p);
    }

    private static void deleteAfterFailure(Path temp, Throwable failure) {
        try {
            deleteTree(temp);
        } catch (IOException | RuntimeException e) {
            failure.addSuppressed(e);
        }
    }

    /** Lets a body close its stream without closing the file before it is synced. */
    private static final class KeepOpen extends FilterOutputStream {
        KeepOpen(OutputStream out) { super(out); }

        @Override public void write(byte[] b, int off, int len) throws IOException { out.write(b, off, len); }

        @Override public void close() throws IOException { out.flush(); }
    }
}
