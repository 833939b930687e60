using System.Diagnostics;
using ControlPlane.Contracts.Security;
using ControlPlane.Contracts.V1;
using ControlPlane.Silos.Hosting;
using ControlPlane.Silos.Tests.Infrastructure;
using Grpc.Core;
using Grpc.Health.V1;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ControlPlane.Silos.Tests;

/// <summary>The host: configuration checked at start-up, health, reflection and /metrics.</summary>
public sealed class HostTests(ControlPlaneFixture plane) : IClassFixture<ControlPlaneFixture>
{
    public static TheoryData<string, string> BadSettings => new()
    {
        { "--ControlPlane:Endpoints:GrpcPort=70000", "ControlPlane:Endpoints:GrpcPort must be 0..65535 (got 70000)" },
        { "--ControlPlane:Endpoints:ListenAddress=localhost-ish", "ControlPlane:Endpoints:ListenAddress must be an IP address" },
        { "--ControlPlane:Fleet:LeaseDuration=00:00:01", "ControlPlane:Fleet:LeaseDuration must be longer than HeartbeatInterval" },
        { "--ControlPlane:Fleet:HeartbeatInterval=-00:00:01", "ControlPlane:Fleet:HeartbeatInterval must be between" },
        { "--ControlPlane:Fleet:IndexShards=0", "ControlPlane:Fleet:IndexShards must be 1..256 (got 0)" },
        { "--ControlPlane:Fleet:TelemetryApplyInterval=00:00:10", "ControlPlane:Fleet:TelemetryApplyInterval must be 0 or more and at most a quarter of LeaseDuration" },
        { "--ControlPlane:Fleet:LeaseDuration=fifteen", "ControlPlane:Fleet:LeaseDuration" },
        { "--ControlPlane:Fleet:LeaseDurationSeconds=15", "LeaseDurationSeconds" },
        { "--ControlPlane:Cluster:ClusterId=Prod Cluster", "ControlPlane:Cluster:ClusterId must be 1..63 lowercase" },
        { "--ControlPlane:Auth:SigningKey=not-base64!", "ControlPlane:Auth:SigningKey must be base64" },
        { "--ControlPlane:Auth:SigningKey=c2hvcnQ=", "ControlPlane:Auth:SigningKey must decode to at least 32 bytes (got 5)" },
        { "--ControlPlane:Auth:RequireSigningKey=true", "ControlPlane:Auth:SigningKey is required because RequireSigningKey is set" },
        { "--ControlPlane:Hardware:Skus:0:Name=Big GPU", "ControlPlane:Hardware:Skus:0:Name must be 1..32 lowercase letters" },
        { "--ControlPlane:Hardware:Skus:0:Name=h200", "ControlPlane:Hardware:Skus:0:Name 'h200' is already in the catalogue" },
        { "--ControlPlane:Hardware:Skus:0:Class=Tpu", "ControlPlane:Hardware:Skus:0:Class" },
        { "--ControlPlane:Hardware:Skus:0:Name=x1", "ControlPlane:Hardware:Skus:0:MemoryBytesPerDevice must be 1..10000000000000 bytes (got 0)" },
        { "--ControlPlane:Placement:MaxQueueWait=00:01:00", "ControlPlane:Placement:MaxQueueWait must be 0..25 seconds" },
        { "--ControlPlane:Placement:PlacementLease=00:00:00.5", "ControlPlane:Placement:PlacementLease must be 1 second..24 hours" },
        { "--ControlPlane:Limits:Plans:Gold Plan:GpuTokensPerMinute=5", "ControlPlane:Limits:Plans:Gold Plan is not a valid plan name" },
        { "--ControlPlane:Limits:Plans:pro:WaferTokensPerMinute=-1", "ControlPlane:Limits:Plans:pro:WaferTokensPerMinute must be more than 0" },
        { "--ControlPlane:Placement:Weights:Load=-2", "ControlPlane:Placement:Weights:Load must be 0..1000 (got -2)" },
        { "--ControlPlane:Placement:Engine:SampledPerClass=0", "ControlPlane:Placement:Engine:SampledPerClass must be 1..64 (got 0)" },
        { "--ControlPlane:Placement:ReservationAttemps=3", "ReservationAttemps" },
        { "--ControlPlane:Placement:CommandTimeout=00:00:05", "ControlPlane:Placement:CommandTimeout has moved: set ControlPlane:Fleet:AgentCommandTimeout instead" },
        { "--ControlPlane:Sessions:IdleTimeout=00:01:00", "ControlPlane:Sessions:IdleTimeout must be longer than ControlPlane:Placement:PlacementLease (00:02:00)" },
        { "--ControlPlane:Placement:SessionIdleTimeout=00:20:00", "ControlPlane:Placement:SessionIdleTimeout has moved: set ControlPlane:Sessions:IdleTimeout instead" },
        { "--ControlPlane:Placement:Plans:pro:GpuTokensPerMinute=5", "ControlPlane:Placement:Plans has moved: set ControlPlane:Limits:Plans instead" },
        { "--ControlPlane:Deployments:ScaleInUtilization=0.9", "ControlPlane:Deployments:ScaleInUtilization must be 0 or more and below ScaleOutUtilization (0.8)" },
        { "--ControlPlane:Limits:ChargeFlushInterval=00:00:00", "ControlPlane:Limits:ChargeFlushInterval must be more than 0" },
        { "--ControlPlane:Deployments:ReplicaLoadTimeout=00:00:00.5", "ControlPlane:Deployments:ReplicaLoadTimeout must be 1 second..24 hours" },
        { "--ControlPlane:Cluster:Provider=Zookeeper", "ControlPlane:Cluster:Provider" },
        { "--ControlPlane:Cluster:Provider=Redis", "ControlPlane:Cluster:Redis:ConnectionString is required with Provider=Redis" },
        { "--ControlPlane:Cluster:Provider=Redis|--ControlPlane:Cluster:Redis:ConnectionString=127.0.0.1:6379|--ControlPlane:Cluster:AdvertisedAddress=my-host",
            "ControlPlane:Cluster:AdvertisedAddress must be an IP address" },
        { "--ControlPlane:Storage:Provider=Mongo", "ControlPlane:Storage:Provider" },
        { "--ControlPlane:Storage:Sqlite:Path=", "ControlPlane:Storage:Sqlite:Path must name a file" },
        { "--ControlPlane:Storage:Provider=Cosmos", "ControlPlane:Storage:Cosmos:AccountEndpoint must be an https:// URL" },
        { "--ControlPlane:Storage:Cosmos:AccountEndpoint=https://prod.documents.azure.com/|--ControlPlane:Storage:Provider=Cosmos|--ControlPlane:Storage:Cosmos:AccountKey=a2V5|--ControlPlane:Storage:Cosmos:AcceptLocalServerCertificate=true",
            "ControlPlane:Storage:Cosmos:AcceptLocalServerCertificate may only be set for a server on a loopback address" },
        { "--ControlPlane:Endpoints:ListenAddress=0.0.0.0", "ControlPlane:Auth:SigningKey is not set, so tokens are signed with the publicly known development key, and ControlPlane:Endpoints:ListenAddress=0.0.0.0" },
        { "--ControlPlane:Endpoints:ListenAddress=::", "ControlPlane:Auth:AllowDevelopmentKeyOnNetwork=true to accept the risk" },
    };

    [Theory]
    [MemberData(nameof(BadSettings))]
    public void A_bad_setting_stops_start_up_with_a_message_naming_the_key(string setting, string message)
    {
        var error = Assert.Throws<InvalidConfigurationException>(() => ControlPlaneHost.Build(setting.Split('|'))); // '|' joins several

        Assert.Contains(message, error.Message);
    }

    [Fact]
    public async Task The_development_key_is_announced_at_start_up_and_allowed_beyond_loopback_only_when_asked()
    {
        var ports = FreePorts.Take(2);
        var log = new CapturedLog();
        await using (var app = ControlPlaneHost.Build([.. ControlPlaneFixture.Arguments(ports[0], ports[1]), "--Logging:LogLevel:Default=Information"],
            builder => builder.Logging.AddProvider(log)))
        {
            // Before any request: the warning is there as the silo starts.
            Assert.Contains(log.Lines, l => l.Contains("DEVELOPMENT key"));
        }

        var withKey = ControlPlaneHost.Build(["--ControlPlane:Endpoints:ListenAddress=0.0.0.0", $"--ControlPlane:Auth:SigningKey={Convert.ToBase64String(new byte[32])}"]);
        var allowed = ControlPlaneHost.Build(["--ControlPlane:Endpoints:ListenAddress=0.0.0.0", "--ControlPlane:Auth:AllowDevelopmentKeyOnNetwork=true"]);
        Assert.False(withKey.Services.GetRequiredService<Security.TokenAuthenticator>().UsesDevelopmentKey);
        Assert.True(allowed.Services.GetRequiredService<Security.TokenAuthenticator>().UsesDevelopmentKey);
        await withKey.DisposeAsync();
        await allowed.DisposeAsync();
    }

    [Fact]
    public async Task Issue_token_prints_only_the_token_on_stdout_and_its_warning_on_stderr()
    {
        var (code, stdout, stderr) = await RunSilo("issue-token", "--role", "operator", "--subject", "alice");

        Assert.Equal(0, code);
        var token = Assert.Single(stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("cp1.operator.", token);
        Assert.Contains("development key", stderr);
        Assert.Equal(new CallerIdentity(CallerRole.Operator, "alice"), plane.Tokens.Authenticate($"Bearer {token}", out _));

        var (badCode, badOut, badErr) = await RunSilo("issue-token", "--role", "operator", "--subject", "alice\nbob");
        Assert.Equal(2, badCode);
        Assert.Equal("", badOut);
        Assert.Contains("--subject 'alice\\nbob'", badErr);
        Assert.DoesNotContain("   at ", badErr); // no stack trace
    }

    [Theory]
    [InlineData("ControlPlane:Endpoints:GrpcPort")]
    [InlineData("ControlPlane:Endpoints:HttpPort")]
    [InlineData("ControlPlane:Cluster:SiloPort")]
    [InlineData("ControlPlane:Cluster:GatewayPort")]
    public async Task A_port_already_in_use_stops_the_silo_with_one_line_naming_it_and_its_key(string key)
    {
        var ports = FreePorts.Take(4);
        using var holder = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        holder.Start();
        var taken = ((System.Net.IPEndPoint)holder.LocalEndpoint).Port;
        // Port 0 (any free port) where the settings allow it, so no other test can take a port this one expects free.
        var settings = new Dictionary<string, int>
        {
            ["ControlPlane:Endpoints:GrpcPort"] = 0,
            ["ControlPlane:Endpoints:HttpPort"] = 0,
            ["ControlPlane:Cluster:SiloPort"] = ports[2],
            ["ControlPlane:Cluster:GatewayPort"] = ports[3],
        };
        settings[key] = taken;

        var (code, stdout, stderr) = await RunSilo([.. settings.Select(s => $"--{s.Key}={s.Value}"), "--ControlPlane:Cluster:ClusterId=port-test"]);

        // One line per taken port, nothing else; a test running beside this one may have taken a second port.
        Assert.Equal(2, code);
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains($"error: port {taken} on 127.0.0.1 is already in use by another process; stop it, or set {key} to a free port", lines);
        Assert.All(lines, l => Assert.Matches(@"^error: port \d+ on 127\.0\.0\.1 is already in use by another process; stop it, or set ControlPlane:\w+:\w+ to a free port$", l));
        Assert.DoesNotContain("fail:", stdout);
        Assert.DoesNotContain("Unhandled exception", stdout + stderr);
    }

    [Fact]
    public async Task A_state_file_that_is_not_a_database_stops_the_silo_naming_the_file_and_leaves_it_untouched()
    {
        var ports = FreePorts.Take(2);
        var dir = Directory.CreateTempSubdirectory("cp-badstore-").FullName;
        var file = Path.Combine(dir, "state.db");
        await File.WriteAllTextAsync(file, "not a database: someone's notes\n".PadRight(4096, '.'));
        var before = await File.ReadAllBytesAsync(file);

        var (code, stdout, stderr) = await RunSilo("--ControlPlane:Endpoints:GrpcPort=0", "--ControlPlane:Endpoints:HttpPort=0",
            $"--ControlPlane:Cluster:SiloPort={ports[0]}", $"--ControlPlane:Cluster:GatewayPort={ports[1]}", $"--ControlPlane:Storage:Sqlite:Path={file}");

        Assert.Equal(2, code);
        Assert.Contains($"error: grain state store {file} cannot be used: it is not a SQLite database", stderr);
        Assert.Contains("nothing was overwritten", stderr);
        Assert.DoesNotContain("Unhandled exception", stdout + stderr);
        Assert.Equal(before, await File.ReadAllBytesAsync(file));
        Directory.Delete(dir, recursive: true);
    }

    [Fact]
    public async Task The_silo_points_a_demo_request_at_the_demo_host()
    {
        var (code, _, stderr) = await RunSilo("--demo");

        Assert.Equal(2, code);
        Assert.Contains("dotnet run --project src/Demo", stderr);
    }

    [Fact]
    public void A_bind_failure_after_the_check_is_worded_as_one_line()
    {
        var kestrel = new IOException("Failed to bind to address http://127.0.0.1:5310: address already in use.",
            new Microsoft.AspNetCore.Connections.AddressInUseException("Address already in use"));

        Assert.Equal("Failed to bind to address http://127.0.0.1:5310: address already in use; a port this silo needs is taken: " +
            "check ControlPlane:Endpoints:GrpcPort/HttpPort and ControlPlane:Cluster:SiloPort/GatewayPort", PortsInUse.Describe(kestrel));
        Assert.Null(PortsInUse.Describe(new IOException("disk full")));
    }

    private static async Task<(int Code, string Out, string Err)> RunSilo(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true };
        start.ArgumentList.Add(typeof(ControlPlaneHost).Assembly.Location);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var silo = Process.Start(start)!;
        var stdout = silo.StandardOutput.ReadToEndAsync();
        var stderr = silo.StandardError.ReadToEndAsync();
        await silo.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        return (silo.ExitCode, await stdout, await stderr);
    }

    [Fact]
    public void Several_bad_settings_are_all_reported()
    {
        var error = Assert.Throws<InvalidConfigurationException>(() =>
            ControlPlaneHost.Build(["--ControlPlane:Endpoints:HttpPort=-1", "--ControlPlane:Fleet:IndexShards=1000"]));

        Assert.Equal(2, error.Errors.Count);
    }

    [Fact]
    public async Task The_silo_process_exits_with_the_configuration_error()
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true };
        start.ArgumentList.Add(typeof(ControlPlaneHost).Assembly.Location);
        start.ArgumentList.Add("--ControlPlane:Fleet:LeaseDuration=00:00:02");
        using var silo = Process.Start(start)!;
        var stderr = silo.StandardError.ReadToEndAsync();
        await silo.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(2, silo.ExitCode);
        Assert.Contains("ControlPlane:Fleet:LeaseDuration must be longer than HeartbeatInterval", await stderr);
    }

    [Fact]
    public async Task A_sku_added_in_configuration_can_be_registered()
    {
        var p = plane.NewPrefix();
        var ports = FreePorts.Take(2);
        await using var app = ControlPlaneHost.Build(
        [
            .. ControlPlaneFixture.Arguments(ports[0], ports[1]),
            "--ControlPlane:Hardware:Skus:0:Name=mi300x",
            "--ControlPlane:Hardware:Skus:0:Class=Gpu",
            "--ControlPlane:Hardware:Skus:0:MemoryBytesPerDevice=192000000000",
            "--ControlPlane:Hardware:Skus:0:MemoryBandwidthBytesPerSecondPerDevice=5.3e12",
            "--ControlPlane:Hardware:Skus:0:DenseBf16FlopsPerDevice=1.3e15",
            "--ControlPlane:Hardware:Skus:0:MaxDevicesPerSystem=8",
        ]);
        await app.StartAsync();
        var tokens = app.Services.GetRequiredService<Security.TokenAuthenticator>();
        using var channel = Grpc.Net.Client.GrpcChannel.ForAddress(app.Services.GetRequiredService<BoundEndpoints>().GrpcAddress);
        var spec = Specs.GpuNode($"{p}-amd-node", gpus: 8);
        spec.Sku = "mi300x";
        foreach (var gpu in spec.Gpus)
        {
            gpu.Name = "AMD Instinct MI300X";
            gpu.MemoryBytes = 191_000_000_000;
        }

        var response = await new AgentService.AgentServiceClient(channel).RegisterAsync(Specs.Register($"{p}-amd-node", spec),
            new Metadata { { "authorization", $"Bearer {tokens.Issue(CallerRole.Agent, $"{p}-amd-node")}" } });
        await app.StopAsync();

        var registered = Assert.Single(response.Accelerators);
        Assert.Equal("mi300x", registered.Sku);
        Assert.Equal(MemoryKind.Hbm, registered.MemoryKind);
        Assert.Equal(8 * 5.3e12, registered.MemoryBandwidthBytesPerSecond, 1e6);
    }

    [Fact]
    public async Task Grpc_health_reports_serving_without_a_token()
    {
        var health = new Health.HealthClient(plane.Channel);

        var reply = await health.CheckAsync(new HealthCheckRequest());

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, reply.Status);
    }

    [Fact]
    public async Task Reflection_lists_the_control_plane_services()
    {
        var reflection = new Grpc.Reflection.V1Alpha.ServerReflection.ServerReflectionClient(plane.Channel);
        using var call = reflection.ServerReflectionInfo();
        await call.RequestStream.WriteAsync(new Grpc.Reflection.V1Alpha.ServerReflectionRequest { ListServices = "" });
        await call.RequestStream.CompleteAsync();
        Assert.True(await call.ResponseStream.MoveNext());

        var services = call.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name).ToList();

        Assert.Contains("controlplane.v1.AgentService", services);
        Assert.Contains("controlplane.v1.FleetService", services);
        Assert.Contains("grpc.health.v1.Health", services);
    }

    [Fact]
    public async Task Healthz_answers_over_http_1_1()
    {
        using var http = new HttpClient();

        var response = await http.GetAsync(new Uri(plane.HttpAddress, "/healthz"));

        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(new Version(1, 1), response.Version);
    }

    [Fact]
    public async Task Metrics_show_the_fleet_and_pass_promtool()
    {
        var p = plane.NewPrefix();
        await plane.Agents.RegisterAsync(Specs.Register($"{p}-metrics-node", Specs.Wafer($"{p}-metrics-node-cs3")), plane.Auth(CallerRole.Agent, $"{p}-metrics-node"));
        using var call = plane.Agents.Connect(plane.Auth(CallerRole.Agent, $"{p}-metrics-node"));
        await call.RequestStream.WriteAsync(new AgentMessage { Hello = new Hello { NodeId = $"{p}-metrics-node" } });
        await call.ResponseStream.MoveNext();
        await call.RequestStream.WriteAsync(Specs.Telemetry($"{p}-metrics-node-cs3", 1));
        using var http = new HttpClient();

        var text = await Eventually.Until(() => http.GetStringAsync(new Uri(plane.HttpAddress, "/metrics")),
            t => t.Contains("controlplane_accelerators{state=\"active\",hardware_class=\"wafer-scale\",pool=\"wafer-scale/us-east/use1-az1\"} 1"),
            TimeSpan.FromSeconds(10), "the active wafer in /metrics");

        Assert.Matches(@"controlplane_pool_tokens_per_second\{pool=""wafer-scale/us-east/use1-az1"",hardware_class=""wafer-scale""\} 2200", text);
        Assert.Matches(@"controlplane_telemetry_reports_total [1-9]", text);
        Assert.Contains("controlplane_agent_streams_open 1", text);
        Assert.Contains("# HELP controlplane_agent_registrations_total", text);

        var (exit, output) = await Promtool(text);
        Assert.True(exit == 0, $"promtool check metrics failed:\n{output}");
    }

    [Fact]
    public async Task The_shipped_prometheus_config_and_rules_pass_promtool()
    {
        var config = Path.Combine(RepositoryPaths.Root(), "deploy", "prometheus", "prometheus.yml");

        var (exit, output) = await Promtool(null, "check", "config", config);

        Assert.True(exit == 0, output);
        Assert.Contains("SUCCESS: 9 rules found", output);
    }

    private static Task<(int Exit, string Output)> Promtool(string metrics) => Promtool(metrics, "check", "metrics");

    private static async Task<(int Exit, string Output)> Promtool(string? input, params string[] args)
    {
        // promtool is installed by the test command (Debian's prometheus package); a missing one fails the test.
        var start = new ProcessStartInfo("promtool") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var promtool = Process.Start(start)!;
        await promtool.StandardInput.WriteAsync(input ?? "");
        promtool.StandardInput.Close();
        var output = await promtool.StandardOutput.ReadToEndAsync() + await promtool.StandardError.ReadToEndAsync();
        await promtool.WaitForExitAsync();
        return (promtool.ExitCode, output);
    }
}
