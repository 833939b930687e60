using ControlPlane.Grains.Audit;
using ControlPlane.Grains.Nodes;
using ControlPlane.Grains.Storage;
using Orleans.Storage;

namespace ControlPlane.Grains.Tests.Storage;

/// <summary>What every grain state store must do; each provider runs this suite against a real instance of itself.</summary>
public abstract class GrainStorageContract
{
    private static readonly GrainStateFormat Format = new();

    /// <summary>A fresh, empty store.</summary>
    protected abstract IGrainStorage Store();

    private static GrainId Node(string key) => GrainId.Create("node", key);

    private static GrainState<NodeRecord> Empty() => new(new NodeRecord());

    [Fact]
    public async Task Reading_state_never_written_finds_no_record_and_leaves_the_default()
    {
        var read = new GrainState<NodeRecord>(new NodeRecord { AgentVersion = "default" });

        await Store().ReadStateAsync("node", Node("n1"), read);

        Assert.False(read.RecordExists);
        Assert.Null(read.ETag);
        Assert.Equal("default", read.State!.AgentVersion);
    }

    [Fact]
    public async Task A_write_is_read_back_whole_and_later_changes_in_memory_do_not_leak_into_it()
    {
        var store = Store();
        var written = new GrainState<Accelerators.AcceleratorRecord>(StoredStates.Accelerator());
        await store.WriteStateAsync("accelerator", Node("a1"), written);
        written.State!.StateReason = "changed after the write";

        var read = new GrainState<Accelerators.AcceleratorRecord>(new Accelerators.AcceleratorRecord());
        await store.ReadStateAsync("accelerator", Node("a1"), read);

        Assert.True(read.RecordExists);
        Assert.Equal(written.ETag, read.ETag);
        Assert.Equal(Format.Serialize(StoredStates.Accelerator()), Format.Serialize(read.State));
    }

    [Fact]
    public async Task Of_two_writers_holding_the_same_version_exactly_one_wins_and_the_other_is_refused()
    {
        var store = Store();
        var first = new GrainState<NodeRecord>(new NodeRecord { AgentVersion = "0" });
        await store.WriteStateAsync("node", Node("race"), first);
        var a = Empty();
        var b = Empty();
        await store.ReadStateAsync("node", Node("race"), a);
        await store.ReadStateAsync("node", Node("race"), b);
        a.State!.AgentVersion = "a";
        b.State!.AgentVersion = "b";

        var results = await Task.WhenAll(Attempt(store, a), Attempt(store, b));
        var read = Empty();
        await store.ReadStateAsync("node", Node("race"), read);

        Assert.Single(results, r => r is null);
        Assert.IsType<InconsistentStateException>(Assert.Single(results, r => r is not null));
        Assert.Equal(results[0] is null ? "a" : "b", read.State!.AgentVersion);
    }

    [Fact]
    public async Task A_write_with_a_stale_or_missing_etag_is_refused_and_the_newer_state_kept()
    {
        var store = Store();
        var first = new GrainState<NodeRecord>(new NodeRecord { AgentVersion = "1" });
        await store.WriteStateAsync("node", Node("n2"), first);
        var other = Empty();
        await store.ReadStateAsync("node", Node("n2"), other);
        other.State!.AgentVersion = "2";
        await store.WriteStateAsync("node", Node("n2"), other);

        first.State!.AgentVersion = "stale";
        await Assert.ThrowsAsync<InconsistentStateException>(() => store.WriteStateAsync("node", Node("n2"), first));
        await Assert.ThrowsAsync<InconsistentStateException>(() => store.WriteStateAsync("node", Node("n2"), Empty()));
        await Assert.ThrowsAsync<InconsistentStateException>(() => store.ClearStateAsync("node", Node("n2"), first));

        var read = Empty();
        await store.ReadStateAsync("node", Node("n2"), read);
        Assert.Equal("2", read.State!.AgentVersion);
    }

    [Fact]
    public async Task Clear_removes_the_record_and_the_state_can_be_written_again_from_nothing()
    {
        var store = Store();
        var state = new GrainState<NodeRecord>(new NodeRecord { AgentVersion = "1" });
        await store.WriteStateAsync("node", Node("n3"), state);

        await store.ClearStateAsync("node", Node("n3"), state);
        var read = Empty();
        await store.ReadStateAsync("node", Node("n3"), read);
        var again = new GrainState<NodeRecord>(new NodeRecord { AgentVersion = "again" });
        await store.WriteStateAsync("node", Node("n3"), again);

        Assert.False(read.RecordExists);
        Assert.Null(read.ETag);
        Assert.Null(state.ETag);
        Assert.True(again.RecordExists);
    }

    [Fact]
    public async Task A_state_near_the_size_limit_round_trips()
    {
        var store = Store();
        var day = StoredStates.AuditDay();
        var entry = day.Entries[0];
        day.Entries = [.. Enumerable.Range(0, 3_000).Select(i => entry with { EntryId = $"2026-12-08/{i:D6}", Reason = new string('r', 400) })];
        var written = new GrainState<AuditDayRecord>(day);

        await store.WriteStateAsync("audit-day", Node("big"), written);
        var read = new GrainState<AuditDayRecord>(new AuditDayRecord());
        await store.ReadStateAsync("audit-day", Node("big"), read);

        // ~1.3 MB of MessagePack: ~1.8 MB as a base64 Cosmos document, just under its 2 MB item limit.
        Assert.InRange(Format.Serialize(day).Length, 1_250_000, 1_500_000);
        Assert.Equal(3_000, read.State!.Entries.Count);
        Assert.Equal("2026-12-08/002999", read.State.Entries[^1].EntryId);
    }

    [Fact]
    public async Task Awkward_keys_are_kept_apart_and_read_back()
    {
        var store = Store();
        string[] keys = ["ノード-α", "a/b\\c?d#e", "with space", "quote'\"; DROP TABLE grain_state; --", "%2F", new string('k', 1_000), "a", "A"];
        foreach (var key in keys)
        {
            await store.WriteStateAsync("node", Node(key), new GrainState<NodeRecord>(new NodeRecord { AgentVersion = key }));
        }

        foreach (var key in keys)
        {
            var read = Empty();
            await store.ReadStateAsync("node", Node(key), read);
            Assert.Equal(key, read.State!.AgentVersion);
        }
    }

    [Fact]
    public async Task The_same_grain_under_two_state_names_keeps_two_records()
    {
        var store = Store();
        await store.WriteStateAsync("node", Node("twin"), new GrainState<NodeRecord>(new NodeRecord { AgentVersion = "node" }));
        await store.WriteStateAsync("other", Node("twin"), new GrainState<NodeRecord>(new NodeRecord { AgentVersion = "other" }));

        var read = Empty();
        await store.ReadStateAsync("node", Node("twin"), read);

        Assert.Equal("node", read.State!.AgentVersion);
    }

    private static async Task<Exception?> Attempt(IGrainStorage store, GrainState<NodeRecord> state)
    {
        try
        {
            await store.WriteStateAsync("node", Node("race"), state);
            return null;
        }
        catch (InconsistentStateException ex)
        {
            return ex;
        }
    }
}
