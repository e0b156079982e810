package org.peft4j.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Views share the array and address it by offset and shape; bad shapes and indices are named in errors. */
class TensorTest {

    @Test
    void reshapeSharesDataAndKeepsTheOffset() {
        Tensor t = Tensor.uniform(1, 1f, 2, 3, 4).slice(1, 2); // offset 12
        Tensor r = t.reshape(4, 3);
        assertSame(t.data(), r.data());
        assertEquals(12, r.offset());
        assertArrayEquals(new int[] {4, 3}, r.shape());
        r.set(42f, 3, 2);
        assertEquals(42f, t.get(0, 2, 3), "the last element seen through both views");
        assertEquals(42f, t.data()[12 + 11]);
    }

    @Test
    void sliceOffsetsAccumulateAndWritesShow() {
        Tensor t = Tensor.uniform(2, 1f, 5, 3, 2);
        Tensor s = t.slice(1, 4);
        assertEquals(6, s.offset());
        assertArrayEquals(new int[] {3, 3, 2}, s.shape());
        Tensor ss = s.slice(2, 3);
        assertEquals(18, ss.offset());
        assertEquals(t.get(3, 1, 0), ss.get(0, 1, 0));
        ss.put(5, -1f);
        assertEquals(-1f, t.get(3, 2, 1));
        assertEquals(0, t.slice(2, 2).size(), "an empty slice is allowed");
    }

    @Test
    void rowsViewTheMatrixOfAHigherRankTensor() {
        Tensor t = Tensor.uniform(3, 1f, 2, 3, 5); // matrix view [6, 5]
        Tensor r = t.rows(2, 5);
        assertArrayEquals(new int[] {3, 5}, r.shape());
        assertEquals(10, r.offset());
        assertEquals(t.get(0, 2, 4), r.get(0, 4));
        assertEquals(t.get(1, 1, 0), r.get(2, 0));
        assertEquals(6, t.rows());
        assertEquals(5, t.cols());
        assertArrayEquals(java.util.Arrays.copyOfRange(t.data(), 10, 25), r.toArray());
    }

    @Test
    void copiesAreIndependent() {
        Tensor t = Tensor.uniform(4, 1f, 3, 3).slice(1, 3);
        Tensor c = t.copy();
        assertEquals(0, c.offset());
        assertArrayEquals(t.toArray(), c.toArray());
        c.put(0, 9f);
        assertNotEquals(9f, t.at(0));
        Tensor into = Tensor.zeros(6).copyFrom(t);
        assertArrayEquals(t.toArray(), into.toArray());
    }

    @Test
    void scalarsAndVectorsHaveMatrixViews() {
        Tensor scalar = Tensor.zeros();
        assertEquals(1, scalar.size());
        assertEquals(1, scalar.rows());
        assertEquals(1, scalar.cols());
        Tensor v = Tensor.zeros(7);
        assertEquals(1, v.rows());
        assertEquals(7, v.cols());
    }

    @Test
    void randomTensorsAreReproducibleAndBounded() {
        assertArrayEquals(Tensor.uniform(5, 0.5f, 100).toArray(), Tensor.uniform(5, 0.5f, 100).toArray());
        assertArrayEquals(Tensor.normal(5, 2f, 100).toArray(), Tensor.normal(5, 2f, 100).toArray());
        for (float v : Tensor.uniform(6, 0.5f, 1000).toArray()) assertTrue(v >= -0.5f && v < 0.5f, "out of range: " + v);
    }

    @Test
    void namedViewsShareData() {
        Tensor t = Tensor.zeros(2, 2);
        Tensor n = t.named("encoder.weight");
        assertEquals("encoder.weight", n.name());
        assertSame(t.data(), n.data());
        assertEquals("encoder.weight[2, 2]", n.toString());
        assertEquals("encoder.weight", n.reshape(4).name(), "views keep the name");
    }

    @Test
    void errorsNameTheShapes() {
        Tensor t = Tensor.zeros(2, 3);
        assertEquals("reshape: [2, 3] (6 values) to [4] (4 values)",
                assertThrows(ShapeException.class, () -> t.reshape(4)).getMessage());
        assertEquals("slice [1, 3) of [2, 3]", assertThrows(ShapeException.class, () -> t.slice(1, 3)).getMessage());
        assertEquals("slice [2, 1) of [2, 3]", assertThrows(ShapeException.class, () -> t.slice(2, 1)).getMessage());
        assertEquals("index [1, 3] out of shape [2, 3]", assertThrows(ShapeException.class, () -> t.get(1, 3)).getMessage());
        assertEquals("index [1] for shape [2, 3]", assertThrows(ShapeException.class, () -> t.set(0f, 1)).getMessage());
        assertEquals("copyFrom: [5] into [2, 3]", assertThrows(ShapeException.class, () -> t.copyFrom(Tensor.zeros(5))).getMessage());
        assertEquals("Tensor.of: 5 values do not fill shape [2, 3]",
                assertThrows(ShapeException.class, () -> Tensor.of(new float[5], 2, 3)).getMessage());
        assertEquals("tensor view [2, 3] at offset 4 does not fit an array of 9 floats",
                assertThrows(ShapeException.class, () -> Tensor.view(new float[9], 4, 2, 3)).getMessage());
        assertEquals("negative dimension in [2, -1]", assertThrows(ShapeException.class, () -> Tensor.zeros(2, -1)).getMessage());
        assertEquals("shape [65536, 65536] exceeds 2^31-1 values",
                assertThrows(ShapeException.class, () -> Shapes.size(65536, 65536)).getMessage());
    }

    @Test
    void intTensorsCheckTheirShape() {
        IntTensor ids = new IntTensor(new int[] {1, 2, 3, 4, 5, 6}, new int[] {2, 3});
        assertEquals(3, ids.dim(-1));
        assertEquals(6, ids.size());
        int[] shape = ids.shape();
        shape[0] = 99;
        assertEquals(2, ids.dim(0), "the shape is defensively copied");
        assertEquals("IntTensor: 5 values do not fill shape [2, 3]",
                assertThrows(ShapeException.class, () -> new IntTensor(new int[5], new int[] {2, 3})).getMessage());
    }
}
