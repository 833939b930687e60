using ControlPlane.Grains.Nodes;
using ControlPlane.Grains.Storage;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using Orleans.Storage;

namespace ControlPlane.Grains.Tests;

public sealed class InProcessGrainStorageTests
{
    private static readonly GrainId Node = GrainId.Create("node", "n1");

    private static InProcessGrainStorage Storage() =>
        new(new ServiceCollection().AddSerializer().BuildServiceProvider().GetRequiredService<DeepCopier>());

    [Fact]
    public async Task A_write_is_read_back_as_a_copy_and_later_changes_in_memory_do_not_leak_into_it()
    {
        var storage = Storage();
        var written = new GrainState<NodeRecord>(new NodeRecord { AgentVersion = "1.0" });
        await storage.WriteStateAsync("node", Node, written);
        written.State!.AgentVersion = "changed after the write";

        var read = new GrainState<NodeRecord>(new NodeRecord());
        await storage.ReadStateAsync("node", Node, read);

        Assert.Equal("1.0", read.State!.AgentVersion);
        Assert.True(read.RecordExists);
        Assert.Equal(written.ETag, read.ETag);
    }

    [Fact]
    public async Task A_write_with_a_stale_etag_is_refused_and_the_newer_state_kept()
    {
        var storage = Storage();
        var first = new GrainState<NodeRecord>(new NodeRecord { AgentVersion = "1" });
        await storage.WriteStateAsync("node", Node, first);
        var other = new GrainState<NodeRecord>(new NodeRecord());
        await storage.ReadStateAsync("node", Node, other);
        other.State!.AgentVersion = "2";
        await storage.WriteStateAsync("node", Node, other);

        first.State!.AgentVersion = "stale";
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("node", Node, first));
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("node", Node, new GrainState<NodeRecord>(new NodeRecord())));

        var read = new GrainState<NodeRecord>(new NodeRecord());
        await storage.ReadStateAsync("node", Node, read);
        Assert.Equal("2", read.State!.AgentVersion);
    }

    [Fact]
    public async Task Clear_removes_the_record()
    {
        var storage = Storage();
        var state = new GrainState<NodeRecord>(new NodeRecord { AgentVersion = "1" });
        await storage.WriteStateAsync("node", Node, state);

        await storage.ClearStateAsync("node", Node, state);
        var read = new GrainState<NodeRecord>(new NodeRecord());
        await storage.ReadStateAsync("node", Node, read);

        Assert.False(read.RecordExists);
        Assert.Null(read.ETag);
    }
}
