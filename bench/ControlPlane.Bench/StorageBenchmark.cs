using System.Diagnostics;
using ControlPlane.Contracts.Security;
using ControlPlane.Contracts.V1;
using AcceleratorRecord = ControlPlane.Grains.Accelerators.AcceleratorRecord;
using ControlPlane.Grains.Storage;
using ControlPlane.HardwareAgents.Simulation;
using ControlPlane.Silos.Hosting;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans.Storage;

namespace ControlPlane.Bench;

// Durable state benchmark (issue 15), three figures:
//  1. grain-state writes/s and reads/s of the SQLite store against a bare loop of the same SQLite statements
//     on the same kind of file, same concurrency, alternating rounds (target: the store >= 70% of bare);
//  2. storage writes caused by 1,000 accelerators heartbeating with no state change (target: 0);
//  3. time from a silo restart on its SQLite file to the fleet being whole again: every accelerator Active
//     and every deployment at its desired replicas (target: under 2 lease durations).
//
//   dotnet run -c Release --project bench/ControlPlane.Bench -- storage [--seconds 5] [--rounds 3] [--accelerators 1000] [--heartbeat-seconds 60]
internal static class StorageBenchmark
{
    private const int Concurrency = 16;
    private const int Keys = 1_000;

    public static async Task<int> RunAsync(string[] args)
    {
        var seconds = BenchHosts.Arg(args, "--seconds", 5);
        var rounds = BenchHosts.Arg(args, "--rounds", 3);
        var accelerators = BenchHosts.Arg(args, "--accelerators", 1_000);
        var heartbeatSeconds = BenchHosts.Arg(args, "--heartbeat-seconds", 60);
        if (seconds < 1 || rounds < 1 || accelerators is < 5 or > 10_000 || heartbeatSeconds < 1)
        {
            Console.Error.WriteLine("usage: ControlPlane.Bench storage [--seconds N>=1] [--rounds N>=1] [--accelerators 5..10000] [--heartbeat-seconds N>=1]");
            return 2;
        }

        var dir = Directory.CreateTempSubdirectory("cp-storage-bench-").FullName;
        try
        {
            Console.WriteLine($"storage: SQLite store vs bare SQLite, {Concurrency} writers over {Keys} keys, {rounds} round(s) of {seconds}s each way");
            Console.WriteLine($"machine: {Environment.ProcessorCount} cores, .NET {Environment.Version}, files under {dir}");
            await StoreVersusBareAsync(dir, seconds, rounds);
            await CosmosVersusBareAsync(seconds, rounds);
            await HeartbeatWritesAsync(dir, accelerators, heartbeatSeconds);
            await RestartUntilWholeAsync(dir, accelerators);
            return 0;
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(dir, recursive: true);
        }
    }

    private static async Task StoreVersusBareAsync(string dir, int seconds, int rounds)
    {
        var format = new GrainStateFormat();
        var store = new SqliteGrainStorage(Path.Combine(dir, "store.db"), format, NullLogger<SqliteGrainStorage>.Instance);
        var bare = new BareSqlite(Path.Combine(dir, "bare.db"));
        var sample = new AcceleratorRecord { StateReason = new string('s', 600) }; // ~0.7 KB, like a real accelerator record
        var payload = format.Serialize(sample);
        var states = Enumerable.Range(0, Keys).Select(_ => new GrainState<AcceleratorRecord>(sample)).ToArray();
        var ids = Enumerable.Range(0, Keys).Select(i => GrainId.Create("accelerator", $"bench-{i:D5}")).ToArray();

        var table = new List<(double StoreWrites, double BareWrites, double StoreReads, double BareReads)>();
        for (var round = 0; round <= rounds; round++)
        {
            var storeWrites = await RateAsync(seconds, i => store.WriteStateAsync("accelerator", ids[i], states[i]));
            var bareWrites = await RateAsync(seconds, i => bare.WriteAsync(ids[i].ToString(), payload));
            var storeReads = await RateAsync(seconds, i => store.ReadStateAsync("accelerator", ids[i], new GrainState<AcceleratorRecord>()));
            var bareReads = await RateAsync(seconds, i => bare.ReadAsync(ids[i].ToString()));
            if (round == 0)
            {
                continue; // a warm-up pass: JIT and page cache
            }

            table.Add((storeWrites, bareWrites, storeReads, bareReads));
            Console.WriteLine($"round {round}: writes store {storeWrites,8:N0}/s bare {bareWrites,8:N0}/s ({storeWrites / bareWrites,6:P1})   reads store {storeReads,8:N0}/s bare {bareReads,8:N0}/s ({storeReads / bareReads,6:P1})");
        }

        var (sw, bw, sr, br) = (table.Average(r => r.StoreWrites), table.Average(r => r.BareWrites), table.Average(r => r.StoreReads), table.Average(r => r.BareReads));
        Console.WriteLine($"mean:    writes store {sw,8:N0}/s bare {bw,8:N0}/s ({sw / bw,6:P1})   reads store {sr,8:N0}/s bare {br,8:N0}/s ({sr / br,6:P1})   (target >= 70%)");
        Console.WriteLine();
    }

    // The Cosmos store against the same SDK point operations with nothing around them, on the local server.
    private static async Task CosmosVersusBareAsync(int seconds, int rounds)
    {
        await using var server = await ControlPlane.Tests.Shared.CosmosServer.StartAsync();
        var options = new CosmosStorageOptions
        {
            AccountEndpoint = server.Endpoint, AccountKey = server.Key, Database = "bench", Container = "store", CreateResources = true, AcceptLocalServerCertificate = true,
        };
        var format = new GrainStateFormat();
        using var store = new CosmosGrainStorage(options, format, NullLogger<CosmosGrainStorage>.Instance);
        await store.OpenAsync(CancellationToken.None);
        using var client = new Microsoft.Azure.Cosmos.CosmosClient(server.Endpoint, server.Key, new Microsoft.Azure.Cosmos.CosmosClientOptions
        {
            ConnectionMode = Microsoft.Azure.Cosmos.ConnectionMode.Gateway,
            ServerCertificateCustomValidationCallback = (_, _, _) => true,
        });
        var database = (await client.CreateDatabaseIfNotExistsAsync("bench")).Database;
        var bare = (await database.CreateContainerIfNotExistsAsync(new Microsoft.Azure.Cosmos.ContainerProperties("bare", "/pk"))).Container;
        var sample = new AcceleratorRecord { StateReason = new string('s', 600) };
        var states = Enumerable.Range(0, Keys).Select(_ => new GrainState<AcceleratorRecord>(sample)).ToArray();
        var ids = Enumerable.Range(0, Keys).Select(i => GrainId.Create("accelerator", $"bench-{i:D5}")).ToArray();
        byte[] Document(int i) => System.Text.Encoding.UTF8.GetBytes(System.Text.Json.JsonSerializer.Serialize(new { id = $"d{i}", pk = $"d{i}", data = Convert.ToBase64String(format.Serialize(sample)) }));

        Console.WriteLine($"cosmos: the Cosmos store vs the same SDK point operations, on the local wire-protocol server, {Concurrency} writers, {rounds} round(s) of {seconds}s");
        var table = new List<(double StoreWrites, double BareWrites, double StoreReads, double BareReads)>();
        for (var round = 0; round <= rounds; round++)
        {
            var storeWrites = await RateAsync(seconds, i => store.WriteStateAsync("accelerator", ids[i], states[i]));
            var bareWrites = await RateAsync(seconds, async i =>
            {
                using var response = await bare.UpsertItemStreamAsync(new MemoryStream(Document(i)), new Microsoft.Azure.Cosmos.PartitionKey($"d{i}"));
            });
            var storeReads = await RateAsync(seconds, i => store.ReadStateAsync("accelerator", ids[i], new GrainState<AcceleratorRecord>()));
            var bareReads = await RateAsync(seconds, async i =>
            {
                using var response = await bare.ReadItemStreamAsync($"d{i}", new Microsoft.Azure.Cosmos.PartitionKey($"d{i}"));
                await response.Content.CopyToAsync(Stream.Null);
            });
            if (round == 0)
            {
                continue;
            }

            table.Add((storeWrites, bareWrites, storeReads, bareReads));
            Console.WriteLine($"round {round}: writes store {storeWrites,8:N0}/s bare {bareWrites,8:N0}/s ({storeWrites / bareWrites,6:P1})   reads store {storeReads,8:N0}/s bare {bareReads,8:N0}/s ({storeReads / bareReads,6:P1})");
        }

        var (sw, bw, sr, br) = (table.Average(r => r.StoreWrites), table.Average(r => r.BareWrites), table.Average(r => r.StoreReads), table.Average(r => r.BareReads));
        Console.WriteLine($"mean:    writes store {sw,8:N0}/s bare {bw,8:N0}/s ({sw / bw,6:P1})   reads store {sr,8:N0}/s bare {br,8:N0}/s ({sr / br,6:P1})   (target >= 70%)");
        Console.WriteLine();
    }

    // Operations per second over `seconds`, Concurrency at a time; each writer cycles through keys of its own
    // (a grain's state has one writer at a time, as in a silo).
    private static async Task<double> RateAsync(int seconds, Func<int, Task> operation)
    {
        const int PerWriter = Keys / Concurrency;
        var done = 0L;
        var clock = Stopwatch.StartNew();
        var until = TimeSpan.FromSeconds(seconds);
        await Task.WhenAll(Enumerable.Range(0, Concurrency).Select(writer => Task.Run(async () =>
        {
            for (var n = 0; clock.Elapsed < until; n++)
            {
                await operation((writer * PerWriter) + (n % PerWriter));
                Interlocked.Increment(ref done);
            }
        })));
        return done / clock.Elapsed.TotalSeconds;
    }

    private static async Task HeartbeatWritesAsync(string dir, int accelerators, int heartbeatSeconds)
    {
        await using var silo = await BenchHosts.StartSiloAsync("--ControlPlane:Storage:Provider=Sqlite", $"--ControlPlane:Storage:Sqlite:Path={Path.Combine(dir, "heartbeats.db")}");
        var store = silo.Services.GetRequiredService<SqliteGrainStorage>();
        var load = new TelemetryLoad(silo.Services.GetRequiredService<BoundEndpoints>().GrpcAddress, accelerators, "hb", register: true);
        await load.OpenAsync(CancellationToken.None);
        using (var settle = new CancellationTokenSource(TimeSpan.FromSeconds(5)))
        {
            await load.RunAsync(settle.Token); // first heartbeats: Registering -> Active, real state changes
        }

        var before = store.Writes;
        var clock = Stopwatch.StartNew();
        long reports;
        using (var storm = new CancellationTokenSource(TimeSpan.FromSeconds(heartbeatSeconds)))
        {
            reports = await load.RunAsync(storm.Token);
        }

        var writes = store.Writes - before;
        Console.WriteLine($"heartbeats: {accelerators} accelerators sent {reports:N0} telemetry reports in {clock.Elapsed.TotalSeconds:F0}s with no state change; storage writes meanwhile: {writes} (target 0)");
        Console.WriteLine();
        await load.CloseAsync();
        await silo.StopAsync();
    }

    private static async Task RestartUntilWholeAsync(string dir, int accelerators)
    {
        var grpcPort = BenchHosts.FreePorts(1)[0];
        var file = Path.Combine(dir, "restart.db");
        var lease = TimeSpan.FromSeconds(15);
        var first = await Silo();
        var endpoint = first.Services.GetRequiredService<BoundEndpoints>().GrpcAddress;
        var wafers = accelerators / 5;
        await using var fleet = SimulatedFleet.Create(endpoint, DevelopmentSigningKey.Bytes,
            new SimulatedFleetOptions { Wafers = wafers, GpuNodes = accelerators - wafers, NamePrefix = "rs", GpuSku = "h200", LoadBytesPerSecond = 1e12 },
            TimeProvider.System, NullLoggerFactory.Instance);
        fleet.Start();
        using var channel = GrpcChannel.ForAddress(endpoint);
        var token = new Metadata { { "authorization", $"Bearer {BearerToken.Issue(DevelopmentSigningKey.Bytes, CallerRole.Operator, "bench")}" } };
        await WaitAsync(() => Task.FromResult(fleet.ConnectedCount == accelerators), TimeSpan.FromMinutes(5), "the fleet to connect");
        var deployments = new DeploymentService.DeploymentServiceClient(channel);
        await BenchHosts.DeclareFastCoderAsync(deployments, token, "rs-fast", replicas: 6, minReplicas: 1);

        await WaitAsync(() => WholeAsync(channel, token, accelerators), TimeSpan.FromMinutes(5), "the deployments to be ready");
        await first.StopAsync();
        await first.DisposeAsync();

        var clock = Stopwatch.StartNew();
        var second = await Silo();
        var answered = clock.Elapsed;
        await WaitAsync(() => WholeAsync(channel, token, accelerators), TimeSpan.FromMinutes(5), "the fleet to be whole again");
        Console.WriteLine($"restart: {accelerators} accelerators, a deployment of 6 two-wafer replicas: silo answered {answered.TotalSeconds:F1}s after start, fleet whole {clock.Elapsed.TotalSeconds:F1}s after start " +
            $"(every accelerator Active, every deployment at its desired replicas); lease {lease.TotalSeconds:F0}s, target under {2 * lease.TotalSeconds:F0}s");
        await fleet.StopAsync();
        await second.StopAsync();
        await second.DisposeAsync();

        Task<WebApplication> Silo() => BenchHosts.StartSiloAsync($"--ControlPlane:Endpoints:GrpcPort={grpcPort}", "--ControlPlane:Storage:Provider=Sqlite",
            $"--ControlPlane:Storage:Sqlite:Path={file}", $"--ControlPlane:Fleet:LeaseDuration={lease}");
    }

    private static async Task<bool> WholeAsync(GrpcChannel channel, Metadata token, int accelerators)
    {
        try
        {
            var active = 0;
            var request = new ListAcceleratorsRequest { PageSize = 1000 };
            do
            {
                var page = await new FleetService.FleetServiceClient(channel).ListAcceleratorsAsync(request, token);
                active += page.Accelerators.Count(a => a.State == AcceleratorState.Active);
                request.PageToken = page.NextPageToken;
            }
            while (request.PageToken.Length > 0);

            var listed = await new DeploymentService.DeploymentServiceClient(channel).ListDeploymentsAsync(new ListDeploymentsRequest(), token);
            return active == accelerators && listed.Deployments.Count > 0 && listed.Deployments.All(d => d.ReadyReplicas == d.DesiredReplicas);
        }
        catch (RpcException)
        {
            return false; // the silo is still starting
        }
    }

    private static async Task WaitAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"timed out waiting for {what}");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>The same statements the store runs, with nothing around them: the baseline.</summary>
    private sealed class BareSqlite
    {
        private readonly string _connectionString;

        public BareSqlite(string path)
        {
            _connectionString = new SqliteConnectionStringBuilder { DataSource = path, Pooling = true }.ToString();
            using var connection = Open();
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA journal_mode = WAL; CREATE TABLE IF NOT EXISTS t (id TEXT PRIMARY KEY, version INTEGER NOT NULL, data BLOB NOT NULL) WITHOUT ROWID;";
            command.ExecuteNonQuery();
        }

        public Task WriteAsync(string id, byte[] data) => Task.Run(() =>
        {
            using var connection = Open();
            using var command = connection.CreateCommand();
            command.CommandText = "INSERT INTO t (id, version, data) VALUES ($id, 1, $data) ON CONFLICT (id) DO UPDATE SET version = version + 1, data = $data";
            command.Parameters.AddWithValue("$id", id);
            command.Parameters.AddWithValue("$data", data);
            command.ExecuteNonQuery();
        });

        public Task ReadAsync(string id) => Task.Run(() =>
        {
            using var connection = Open();
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT version, data FROM t WHERE id = $id";
            command.Parameters.AddWithValue("$id", id);
            using var reader = command.ExecuteReader();
            if (reader.Read())
            {
                _ = (byte[])reader.GetValue(1);
            }
        });

        private SqliteConnection Open()
        {
            var connection = new SqliteConnection(_connectionString);
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA synchronous = FULL; PRAGMA busy_timeout = 30000;";
            command.ExecuteNonQuery();
            return connection;
        }
    }
}
