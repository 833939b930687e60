using System.Runtime.CompilerServices;
using ControlPlane.Grains.Accelerators;
using ControlPlane.Grains.Storage;

namespace ControlPlane.Grains.Tests.Storage;

public sealed class GrainStateFormatTests
{
    private static readonly GrainStateFormat Format = new();

    // Each stored state shape as it shipped, written once by this format (CONTROLPLANE_WRITE_STATE_FIXTURES=1
    // writes them). A record on disk must keep loading after the code changes: members may be added (old
    // records then load them at their defaults), never removed or renumbered (SerializedTypeAliasTests).
    public static TheoryData<string> Fixtures => ["accelerator", "deployment", "session", "audit-day", "audit-segment", "node", "gpu-claim", "deployment-directory"];

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void Every_stored_state_shape_round_trips_and_its_shipped_fixture_still_loads(string stateName)
    {
        var (sample, read, write) = Sample(stateName);
        var bytes = write(sample);
        var path = FixturePath(stateName);
        if (Environment.GetEnvironmentVariable("CONTROLPLANE_WRITE_STATE_FIXTURES") == "1")
        {
            File.WriteAllBytes(path, bytes);
        }

        var shipped = File.ReadAllBytes(path);

        Assert.Equal(bytes, write(read(bytes)));
        Assert.Equal(bytes, write(read(shipped)));
    }

    [Fact]
    public void A_stored_record_comes_back_with_every_member_not_only_the_same_bytes()
    {
        var accelerator = Format.Deserialize<AcceleratorRecord>(Format.Serialize(StoredStates.Accelerator()), "test");
        var deployment = Format.Deserialize<Deployments.DeploymentRecord>(Format.Serialize(StoredStates.Deployment()), "test");

        Assert.Equal(AcceleratorState.Draining, accelerator.Lifecycle.HeldState);
        Assert.Equal("gpu-6", accelerator.Hosted["coder-2"].PrimaryAcceleratorId);
        Assert.Equal(8, accelerator.Registration!.Gpus.Count);
        Assert.Equal("deployment coder keeps at least 1 ready replica(s)", accelerator.Drain!.Held["coder-2"]);
        Assert.Equal(["coder-1"], accelerator.Drain.Released);
        Assert.Equal(new DateTimeOffset(2026, 12, 8, 11, 1, 15, 123, TimeSpan.Zero), accelerator.Drain.Deadline);
        Assert.Equal("req-1", Assert.Single(accelerator.Requests.Entries).RequestId);
        Assert.Equal(4, deployment.Definition!.MaxReplicas);
        Assert.Equal(Placement.Replicas.ReplicaState.Retiring, deployment.Replicas[0].State);
        Assert.Equal(["w1", "w2"], deployment.Replicas[0].LoadedOn.Order());
        Assert.Equal(TimeSpan.FromSeconds(1), deployment.Definition.SloTimeToFirstToken);
    }

    [Fact]
    public void A_member_added_later_loads_at_its_default_from_an_old_record_and_an_unknown_one_is_skipped()
    {
        var old = Format.Serialize(new ShapeV1 { Name = "a", Count = 3 });
        var newer = Format.Serialize(new ShapeV2 { Name = "b", Count = 4, Added = ["x"] });

        var upgraded = Format.Deserialize<ShapeV2>(old, "test");
        var downgraded = Format.Deserialize<ShapeV1>(newer, "test");

        Assert.Equal(("a", 3), (upgraded.Name, upgraded.Count));
        Assert.Equal(["kept default"], upgraded.Added); // the property initialiser ran
        Assert.Equal(("b", 4), (downgraded.Name, downgraded.Count));
    }

    [Fact]
    public void A_positional_record_missing_a_newer_member_gets_that_parameters_default()
    {
        var bytes = Format.Serialize(new ShapeV1 { Name = "r", Count = 1 });

        var record = Format.Deserialize<PositionalV2>(bytes, "test");

        Assert.Equal(("r", 1, "unset"), (record.Name, record.Count, record.Note));
    }

    [Theory]
    [InlineData(new byte[0], "the record is empty")]
    [InlineData(new byte[] { 9, 0x80 }, "format version 9")]
    [InlineData(new byte[] { 1, 0x81, 0x00 }, "damaged or not a AcceleratorRecord")]
    [InlineData(new byte[] { 1, 0xc1 }, "damaged or not a AcceleratorRecord")]
    public void A_damaged_record_fails_naming_the_record_and_what_is_wrong(byte[] stored, string problem)
    {
        var error = Assert.Throws<GrainStateFormatException>(() => Format.Deserialize<AcceleratorRecord>(stored, "'accelerator' of acc/w1 in /data/state.db"));

        Assert.Contains("'accelerator' of acc/w1 in /data/state.db", error.Message);
        Assert.Contains(problem, error.Message);
        Assert.Contains("it was not overwritten", error.Message);
    }

    private static (object Sample, Func<byte[], object> Read, Func<object, byte[]> Write) Sample(string stateName) => stateName switch
    {
        "accelerator" => Of(StoredStates.Accelerator()),
        "deployment" => Of(StoredStates.Deployment()),
        "session" => Of(StoredStates.Session()),
        "audit-day" => Of(StoredStates.AuditDay()),
        "audit-segment" => Of(StoredStates.AuditSegment()),
        "node" => Of(StoredStates.Node()),
        "gpu-claim" => Of(StoredStates.GpuClaim()),
        "deployment-directory" => Of(StoredStates.DeploymentDirectory()),
        _ => throw new ArgumentOutOfRangeException(nameof(stateName)),
    };

    private static (object, Func<byte[], object>, Func<object, byte[]>) Of<T>(T sample) where T : notnull =>
        (sample, bytes => Format.Deserialize<T>(bytes, "fixture")!, value => Format.Serialize((T)value));

    private static string FixturePath(string stateName, [CallerFilePath] string here = "") =>
        Path.Combine(Path.GetDirectoryName(here)!, "..", "Fixtures", "state", $"{stateName}.msgpack");
}

[GenerateSerializer, Alias("cp.test.ShapeV1")]
public sealed class ShapeV1
{
    [Id(0)] public string Name { get; set; } = "";

    [Id(1)] public int Count { get; set; }
}

[GenerateSerializer, Alias("cp.test.ShapeV2")]
public sealed class ShapeV2
{
    [Id(0)] public string Name { get; set; } = "";

    [Id(1)] public int Count { get; set; }

    [Id(2)] public List<string> Added { get; set; } = ["kept default"];
}

[GenerateSerializer, Alias("cp.test.PositionalV2")]
public sealed record PositionalV2(
    [property: Id(0)] string Name,
    [property: Id(1)] int Count,
    [property: Id(2)] string Note = "unset");
