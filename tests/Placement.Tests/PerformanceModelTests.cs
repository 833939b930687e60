using ControlPlane.Placement.Hardware;
using ControlPlane.Placement.Models;
using ControlPlane.Placement.Performance;

namespace ControlPlane.Placement.Tests;

public sealed class PerformanceModelTests
{
    private static readonly HardwareSku Cs3 = Fleets.Cs3;
    private static readonly HardwareSku H100 = Fleets.Sku("h100-sxm");
    private static readonly HardwareSku H200 = Fleets.H200;

    private static PerformanceModel Release(WaferDecodeCalibration wafer) => new(PerformanceCalibration.Default with { Wafer = wafer });

    private static void Near(double expected, double actual, double tolerance) =>
        Assert.True(Math.Abs(actual - expected) <= expected * tolerance, $"expected {expected} ±{tolerance:P0}, got {actual:F1}");

    [Fact]
    public void August_2024_release_reproduces_8B_at_1800_and_70B_at_450_tokens_per_second()
    {
        var model = Release(WaferDecodeCalibration.August2024);
        var small = ModelShape.Llama31_8B();
        var large = ModelShape.Llama31_70B();

        Near(1_800, model.Predict(small, Cs3, model.DevicesNeeded(small, Cs3)).SingleStreamTokensPerSecond, 0.02);
        Near(450, model.Predict(large, Cs3, model.DevicesNeeded(large, Cs3)).SingleStreamTokensPerSecond, 0.02);
    }

    [Fact]
    public void November_2024_release_reproduces_70B_at_2100_and_405B_at_969_with_a_quarter_second_first_token()
    {
        var model = PerformanceModel.Default;
        var large = ModelShape.Llama31_70B();
        var huge = ModelShape.Llama31_405B();
        var hugeReplica = model.Predict(huge, Cs3, model.DevicesNeeded(huge, Cs3));

        Near(2_100, model.Predict(large, Cs3, model.DevicesNeeded(large, Cs3)).SingleStreamTokensPerSecond, 0.02);
        Near(969, hugeReplica.SingleStreamTokensPerSecond, 0.02);
        Near(0.24, hugeReplica.TimeToFirstTokenSeconds(promptTokens: 1_000, streams: 1), 0.05);
    }

    [Fact]
    public void A_fast_coding_model_on_wafers_decodes_above_1000_tokens_per_second()
    {
        var fastCoder = new ModelShape(32_000_000_000, 64, ModelPrecision.Bf16, ModelShape.GroupedQueryKvBytesPerToken(64, 8, 128));
        var model = PerformanceModel.Default;

        var replica = model.Predict(fastCoder, Cs3, model.DevicesNeeded(fastCoder, Cs3));

        Assert.True(replica.SingleStreamTokensPerSecond > 1_000, $"{replica.SingleStreamTokensPerSecond:F0} tok/s");
    }

    [Fact]
    public void A_large_GPU_served_coding_model_decodes_near_70_tokens_per_second()
    {
        var largeCoder = new ModelShape(400_000_000_000, 96, ModelPrecision.Fp8, ModelShape.GroupedQueryKvBytesPerToken(96, 8, 128, 1));
        var model = PerformanceModel.Default;

        // Served tensor-parallel across a whole 8×H200 node (it would fit on 4, at half the speed).
        Near(70, model.Predict(largeCoder, H200, 8).SingleStreamTokensPerSecond, 0.10);
        Assert.Equal(4, model.DevicesNeeded(largeCoder, H200));
    }

    [Fact]
    public void Gpu_decode_follows_memory_bandwidth_and_tensor_parallel_degree()
    {
        var shape = ModelShape.Llama31_70B();
        var model = PerformanceModel.Default;

        var h100 = model.Predict(shape, H100, 4).SingleStreamTokensPerSecond;
        var h200 = model.Predict(shape, H200, 4).SingleStreamTokensPerSecond;
        var h100Wide = model.Predict(shape, H100, 8).SingleStreamTokensPerSecond;

        Near(4.8 / 3.35, h200 / h100, 0.001);
        Near(2, h100Wide / h100, 0.001);
        Near(4 * 3.35e12 * 0.7 / 140e9, h100, 0.001);
    }

    [Fact]
    public void Batching_slows_each_stream_and_compute_caps_the_replica()
    {
        var shape = ModelShape.Llama31_8B();
        var replica = PerformanceModel.Default.Predict(shape, H100, 1);

        var alone = replica.TokensPerSecondPerStream(1);
        var batched = replica.TokensPerSecondPerStream(32);

        Assert.True(batched < alone);
        Near(alone / (1 + 0.015 * 31), batched, 0.001);
        Assert.True(replica.TokensPerSecondPerStream(100_000) * 100_000 <= replica.ComputeBoundTokensPerSecond * 1.0001);
        Assert.True(replica.CompletionSeconds(1_000, 2_000, 1) > replica.TimeToFirstTokenSeconds(1_000, 1));
    }

    [Theory]
    [InlineData("h100-sxm", 2, 40.0, false)]
    [InlineData("h200", 4, 100.0, false)]
    [InlineData("h200", 8, 20.0, true)] // so many streams keep up that the slots bind
    [InlineData("cs3", 2, 500.0, false)]
    public void Streams_at_speed_is_the_last_count_whose_every_stream_keeps_up(string sku, int devices, double minTokensPerSecond, bool slotsBind)
    {
        var replica = PerformanceModel.Default.Predict(new ModelShape(32_000_000_000, 64, ModelPrecision.Bf16, 262_144), Fleets.Sku(sku), devices);
        const int slots = 400;

        var streams = replica.StreamsAtSpeed(minTokensPerSecond, slots);

        var scanned = Enumerable.Range(1, slots).LastOrDefault(n => replica.TokensPerSecondPerStream(n) >= minTokensPerSecond);
        Assert.Equal(scanned, streams);
        Assert.InRange(streams, 1, slots);
        Assert.Equal(slotsBind, streams == slots);
    }

    [Fact]
    public void Streams_at_speed_is_zero_when_one_stream_alone_is_too_slow_or_there_are_no_slots()
    {
        var replica = PerformanceModel.Default.Predict(ModelShape.Llama31_8B(), H100, 1);
        var alone = replica.TokensPerSecondPerStream(1);

        Assert.Equal(0, replica.StreamsAtSpeed(alone * 1.01, 100));
        Assert.Equal(0, replica.StreamsAtSpeed(1, 0));
        Assert.Equal(1, replica.StreamsAtSpeed(alone, 100));
        Assert.Equal(100, replica.StreamsAtSpeed(0, 100));
    }

    [Theory]
    [InlineData("cs3", 70_000_000_000L, ModelPrecision.Bf16, 4)] // 168 GB with headroom over 44 GB wafers
    [InlineData("cs3", 8_000_000_000L, ModelPrecision.Bf16, 1)]
    [InlineData("h100-sxm", 70_000_000_000L, ModelPrecision.Bf16, 4)] // 168 GB over 80 GB GPUs: 3 -> power of two
    [InlineData("h100-sxm", 400_000_000_000L, ModelPrecision.Fp8, 8)]
    [InlineData("h200", 8_000_000_000L, ModelPrecision.Bf16, 1)]
    public void Devices_needed_hold_the_weights_with_kv_headroom(string sku, long parameters, ModelPrecision precision, int expected)
    {
        var shape = new ModelShape(parameters, 80, precision, 100_000);

        Assert.Equal(expected, PerformanceModel.Default.DevicesNeeded(shape, Fleets.Sku(sku)));
    }

    [Fact]
    public void Stream_slots_come_from_memory_left_beside_the_weights()
    {
        var shape = ModelShape.Llama31_8B();
        var model = PerformanceModel.Default;

        // 44 GB - 16 GB of weights = 28 GB; 8,192 tokens × 131,072 B = 1.07 GB per stream -> 26 streams.
        Assert.Equal(26, model.StreamSlots(shape, Cs3, 1, 8_192));
        Assert.Equal(PerformanceCalibration.Default.WaferMaxStreamsPerReplica, model.StreamSlots(shape, Cs3, 1, 128));
        Assert.Equal(0, model.StreamSlots(shape, Cs3, 1, 1_000_000));
    }
}
