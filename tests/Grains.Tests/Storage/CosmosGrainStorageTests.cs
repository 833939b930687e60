using System.Text.Json;
using ControlPlane.Grains.Nodes;
using ControlPlane.Grains.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans.Storage;

namespace ControlPlane.Grains.Tests.Storage;

/// <summary>The Cosmos DB wire-protocol server, started once for the Cosmos store's tests.</summary>
public sealed class CosmosServerFixture : IAsyncLifetime
{
    public CosmosServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await CosmosServer.StartAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

public sealed class CosmosGrainStorageTests(CosmosServerFixture cosmos) : GrainStorageContract, IClassFixture<CosmosServerFixture>
{
    private CosmosStorageOptions Options(string? container = null, string? key = null, string? endpoint = null) => new()
    {
        AccountEndpoint = endpoint ?? cosmos.Server.Endpoint,
        AccountKey = key ?? cosmos.Server.Key,
        Database = "tests",
        Container = container ?? $"c{Guid.NewGuid():N}",
        CreateResources = true,
        AcceptLocalServerCertificate = true,
        MaxThrottleRetries = 3,
        MaxThrottleWait = TimeSpan.FromSeconds(5),
    };

    private static CosmosGrainStorage Open(CosmosStorageOptions options)
    {
        var store = new CosmosGrainStorage(options, new GrainStateFormat(), NullLogger<CosmosGrainStorage>.Instance);
        store.OpenAsync(CancellationToken.None).GetAwaiter().GetResult();
        return store;
    }

    protected override IGrainStorage Store() => Open(Options());

    private static GrainId Node(string key) => GrainId.Create("node", key);

    [Fact]
    public async Task What_was_written_is_read_back_by_a_new_client_and_by_microsofts_node_sdk()
    {
        var options = Options();
        var written = new GrainState<NodeRecord>(StoredStatesNode());
        using (var store = Open(options))
        {
            await store.WriteStateAsync("node", Node("a/b?c#d"), written);
        }

        using var reopened = Open(options);
        var read = new GrainState<NodeRecord>(new NodeRecord());
        await reopened.ReadStateAsync("node", Node("a/b?c#d"), read);
        var (id, pk) = CosmosGrainStorage.Keys("node", Node("a/b?c#d"));
        using var node = JsonDocument.Parse(await cosmos.Server.ReadWithNodeAsync(options.Database, options.Container, id, pk));

        Assert.Equal("1.4.2", read.State!.AgentVersion);
        Assert.Equal(written.ETag, read.ETag);
        var root = node.RootElement;
        Assert.Equal("node/a/b?c#d", root.GetProperty("grainId").GetString());
        Assert.Equal(1, root.GetProperty("version").GetInt32());
        // The state is a map keyed by member id: 0 the accelerator ids, 1 the agent version.
        Assert.Equal("1.4.2", root.GetProperty("state").GetProperty("1").GetString());
        Assert.Equal(["gpu-6", "gpu-7"], root.GetProperty("state").GetProperty("0").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task Throttled_requests_are_retried_after_the_retry_after_and_counted()
    {
        using var store = Open(Options());
        await cosmos.Server.ThrottleAsync(2, TimeSpan.FromMilliseconds(50));

        var state = new GrainState<NodeRecord>(new NodeRecord { AgentVersion = "through" });
        await store.WriteStateAsync("node", Node("throttled"), state);

        Assert.Equal(2, store.Throttles);
        Assert.True(state.RecordExists);
    }

    [Fact]
    public async Task A_request_still_throttled_when_its_retries_run_out_fails_saying_so_and_writes_nothing()
    {
        using var store = Open(Options());
        await cosmos.Server.ThrottleAsync(10, TimeSpan.FromMilliseconds(20));

        var error = await Assert.ThrowsAsync<GrainStorageUnavailableException>(() =>
            store.WriteStateAsync("node", Node("refused"), new GrainState<NodeRecord>(new NodeRecord { AgentVersion = "x" })));
        await cosmos.Server.ThrottleAsync(0, TimeSpan.Zero);
        var read = new GrainState<NodeRecord>(new NodeRecord());
        await store.ReadStateAsync("node", Node("refused"), read);

        Assert.Contains("throttled the request (429) 4 time(s)", error.Message);
        Assert.Contains("raise the container's throughput", error.Message);
        Assert.Equal(4, store.Throttles);
        Assert.False(read.RecordExists);
    }

    [Fact]
    public async Task A_wrong_key_an_unreachable_endpoint_and_a_missing_container_fail_at_open_naming_what_to_fix()
    {
        var wrongKey = await Assert.ThrowsAsync<GrainStorageUnavailableException>(() =>
            new CosmosGrainStorage(Options(key: Convert.ToBase64String(new byte[32])), new GrainStateFormat(), NullLogger<CosmosGrainStorage>.Instance).OpenAsync(CancellationToken.None));
        var unreachable = await Assert.ThrowsAsync<GrainStorageUnavailableException>(() =>
            new CosmosGrainStorage(Options(endpoint: "https://127.0.0.1:9/"), new GrainStateFormat(), NullLogger<CosmosGrainStorage>.Instance).OpenAsync(CancellationToken.None));
        var notCreated = Options();
        notCreated.CreateResources = false;
        var missing = await Assert.ThrowsAsync<GrainStorageUnavailableException>(() =>
            new CosmosGrainStorage(notCreated, new GrainStateFormat(), NullLogger<CosmosGrainStorage>.Instance).OpenAsync(CancellationToken.None));

        Assert.Contains("refused the key (401)", wrongKey.Message);
        Assert.Contains("ControlPlane:Storage:Cosmos:AccountKey", wrongKey.Message);
        Assert.Contains("cannot be reached", unreachable.Message);
        Assert.Contains("https://127.0.0.1:9/", unreachable.Message);
        Assert.Contains("CreateResources=true", missing.Message);
    }

    [Fact]
    public async Task A_state_over_the_item_limit_is_refused_naming_it_and_nothing_is_written()
    {
        using var store = Open(Options());
        var day = StoredStates.AuditDay();
        day.Entries = [.. Enumerable.Range(0, 5_000).Select(i => day.Entries[0] with { Reason = new string('r', 400) })];

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => store.WriteStateAsync("audit-day", Node("huge"), new GrainState<Audit.AuditDayRecord>(day)));
        var read = new GrainState<Audit.AuditDayRecord>(new Audit.AuditDayRecord());
        await store.ReadStateAsync("audit-day", Node("huge"), read);

        Assert.Contains("over Cosmos DB's 2,097,152-byte item limit", error.Message);
        Assert.False(read.RecordExists);
    }

    [Fact]
    public void Keys_keep_awkward_grain_ids_apart_within_cosmos_limits()
    {
        var long1 = CosmosGrainStorage.Keys("node", Node(new string('k', 600) + "1"));
        var long2 = CosmosGrainStorage.Keys("node", Node(new string('k', 600) + "2"));
        var slash = CosmosGrainStorage.Keys("node", Node("a/b"));
        var escaped = CosmosGrainStorage.Keys("node", Node("a~2Fb"));

        Assert.NotEqual(long1.Id, long2.Id);
        Assert.All(new[] { long1.Id, long2.Id }, id => Assert.Equal(255, id.Length));
        Assert.NotEqual(slash.Id, escaped.Id);
        Assert.DoesNotContain('/', slash.Id);
    }

    private static NodeRecord StoredStatesNode() => StoredStates.Node();
}
