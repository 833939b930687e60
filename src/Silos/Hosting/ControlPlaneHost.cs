using ControlPlane.Grains.Fleet;
using ControlPlane.Grains.FleetIndex;
using ControlPlane.Grains.Hosting;
using ControlPlane.Grains.Deployments;
using ControlPlane.Grains.Routing;
using ControlPlane.Grains.Storage;
using SessionOptions = ControlPlane.Grains.Sessions.SessionOptions;
using ControlPlane.Grains.Tenants;
using ControlPlane.Placement.Hardware;
using ControlPlane.Placement.Performance;
using ControlPlane.Silos.Deployments;
using ControlPlane.Silos.PlacementApi;
using ControlPlane.Silos.Agents;
using ControlPlane.Silos.Fleet;
using ControlPlane.Silos.Metrics;
using ControlPlane.Silos.Security;
using ControlPlane.Silos.Validation;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Prometheus;
using System.Net;

namespace ControlPlane.Silos.Hosting;

/// <summary>
/// Builds the control plane host: an Orleans silo with Kestrel serving the gRPC APIs on an HTTP/2-only
/// port and <c>/metrics</c> and <c>/healthz</c> on an HTTP/1.1 port. Used by Program, the tests and the benchmarks.
/// </summary>
public static class ControlPlaneHost
{
    /// <summary>
    /// Builds (does not start) the host. Configuration is validated here, before anything binds a port:
    /// a bad value throws <see cref="InvalidConfigurationException"/> naming the key.
    /// </summary>
    /// <param name="args">Command-line configuration, e.g. <c>--ControlPlane:Endpoints:GrpcPort=0</c>.</param>
    /// <param name="configure">Adds configuration or services before the host is built (tests, demo).</param>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        // Content root at the binaries, so appsettings.json is found whatever the working directory.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        configure?.Invoke(builder);

        var endpoints = BindValidated<EndpointOptions>(builder, EndpointOptions.SectionName, new EndpointOptionsValidator(), out var errors);
        var cluster = BindValidated<SiloClusterOptions>(builder, SiloClusterOptions.SectionName, new SiloClusterOptionsValidator(), out var clusterErrors);
        BindValidated<FleetOptions>(builder, FleetOptions.SectionName, new FleetOptionsValidator(), out var fleetErrors);
        var auth = BindValidated<AuthOptions>(builder, AuthOptions.SectionName, new AuthOptionsValidator(), out var authErrors);
        var hardware = BindValidated<HardwareOptions>(builder, HardwareOptions.SectionName, new HardwareOptionsValidator(), out var hardwareErrors);
        var placement = BindValidated<PlacementOptions>(builder, PlacementOptions.SectionName, new PlacementOptionsValidator(), out var placementErrors);
        BindValidated<DeploymentOptions>(builder, DeploymentOptions.SectionName, new DeploymentOptionsValidator(), out var deploymentErrors);
        BindValidated<LimitOptions>(builder, LimitOptions.SectionName, new LimitOptionsValidator(), out var limitErrors);
        BindValidated<SessionOptions>(builder, SessionOptions.SectionName, new ControlPlane.Grains.Sessions.SessionOptionsValidator(placement.PlacementLease), out var sessionErrors);
        var storage = BindValidated<StorageOptions>(builder, StorageOptions.SectionName, new StorageOptionsValidator(), out var storageErrors);

        // A moved key is also an unknown one to its old section's binder: say only where it went.
        var moved = MovedKeys.Find(builder.Configuration).ToList();
        var all = moved
            .Concat(errors).Concat(clusterErrors).Concat(fleetErrors).Concat(authErrors).Concat(hardwareErrors)
            .Concat(moved.Count > 0 ? [] : placementErrors).Concat(deploymentErrors).Concat(limitErrors).Concat(sessionErrors).Concat(storageErrors).ToList();
        if (DevelopmentKeyOnNetwork(endpoints, auth) is { } exposed)
        {
            all.Add(exposed);
        }

        if (all.Count > 0)
        {
            throw new InvalidConfigurationException(all);
        }

        var services = builder.Services;
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(hardware.BuildCatalogue(HardwareCatalogue.Default));
        services.AddSingleton<RegisterRequestValidator>();
        services.AddSingleton<PlacementRequestValidator>();
        services.AddPlacementPath();
        services.AddSingleton(PerformanceModel.Default);
        services.AddSingleton<TokenAuthenticator>();
        services.AddSingleton<FleetIndexReader>();
        services.AddSingleton<ControlPlane.Grains.Audit.AuditLog>();
        services.AddSingleton<Audit.OperatorAudit>();
        services.AddSingleton<Audit.RefusedAttemptAudit>();
        services.AddSingleton(new ControlPlaneMetrics(new CollectorRegistry()));
        services.AddSingleton<FleetGauges>();
        services.AddSingleton<StorageMetrics>();
        var bound = new BoundEndpoints();
        services.AddSingleton(bound);

        services.AddGrpc(options =>
        {
            options.Interceptors.Add<AuthInterceptor>();
            options.Interceptors.Add<Errors.TransientFailureInterceptor>();
            options.MaxReceiveMessageSize = 1024 * 1024; // a registration of 64 8-GPU nodes is ~100 KB
        });
        services.AddGrpcReflection();
        services.AddGrpcHealthChecks().AddCheck("silo", () => Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckResult.Healthy());

        builder.UseOrleans(silo =>
        {
            if (cluster.Provider == ClusterProvider.Redis)
            {
                silo.UseRedisClustering(cluster.Redis.ConnectionString);
                silo.Configure<Orleans.Configuration.ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (cluster.ClusterId, cluster.ServiceId));
                silo.ConfigureEndpoints(IPAddress.Parse(cluster.AdvertisedAddress), cluster.SiloPort, cluster.GatewayPort, listenOnAnyHostAddress: false);
            }
            else
            {
                silo.UseLocalhostClustering(cluster.SiloPort, cluster.GatewayPort, null, cluster.ServiceId, cluster.ClusterId);
            }
            silo.Services.AddFleetStorage(storage);

            // Registered after Orleans' own, so this one is resolved (see HostRelativeTimeProvider for why).
            silo.Services.AddKeyedSingleton<TimeProvider>(Orleans.Runtime.TimeProviderNames.Membership, new HostRelativeTimeProvider());
        });

        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            var address = IPAddress.Parse(endpoints.ListenAddress);
            kestrel.Listen(address, endpoints.GrpcPort, listen =>
            {
                listen.Protocols = HttpProtocols.Http2; // gRPC without TLS needs prior-knowledge HTTP/2
                bound.Grpc = listen;
            });
            kestrel.Listen(address, endpoints.HttpPort, listen =>
            {
                listen.Protocols = HttpProtocols.Http1;
                bound.Http = listen;
            });
        });

        var app = builder.Build();

        // Resolved now, so a silo on the development key says so as it starts, not at its first request.
        app.Services.GetRequiredService<TokenAuthenticator>();
        app.Services.GetRequiredService<FleetGauges>().Attach();
        app.Services.GetRequiredService<StorageMetrics>().Attach();
        app.MapGrpcService<AgentGrpcService>();
        app.MapGrpcService<FleetGrpcService>();
        app.MapGrpcService<DeploymentGrpcService>();
        app.MapGrpcService<Audit.AuditGrpcService>();
        app.MapGrpcService<PlacementGrpcService>();
        app.MapGrpcReflectionService();
        app.MapGrpcHealthChecksService();
        app.MapGet("/healthz", () => Results.Text("ok\n"));
        app.MapMetrics("/metrics", app.Services.GetRequiredService<ControlPlaneMetrics>().Registry);
        return app;
    }

    // The development key is public: listening beyond loopback with it lets anyone mint operator tokens.
    private static string? DevelopmentKeyOnNetwork(EndpointOptions endpoints, AuthOptions auth)
    {
        if (!string.IsNullOrEmpty(auth.SigningKey) || auth.AllowDevelopmentKeyOnNetwork
            || !IPAddress.TryParse(endpoints.ListenAddress, out var address) || IPAddress.IsLoopback(address))
        {
            return null;
        }

        return $"{AuthOptions.SectionName}:SigningKey is not set, so tokens are signed with the publicly known development key, " +
            $"and {EndpointOptions.SectionName}:ListenAddress={endpoints.ListenAddress} would let anyone who reaches the port mint an operator token. " +
            $"Set {AuthOptions.SectionName}:SigningKey (generate one with: openssl rand -base64 32), listen on 127.0.0.1, " +
            $"or set {AuthOptions.SectionName}:{nameof(AuthOptions.AllowDevelopmentKeyOnNetwork)}=true to accept the risk";
    }

    private static T BindValidated<T>(WebApplicationBuilder builder, string section, IValidateOptions<T> validator, out IReadOnlyList<string> errors)
        where T : class, new()
    {
        var options = new T();
        try
        {
            builder.Configuration.GetSection(section).Bind(options, binder => binder.ErrorOnUnknownConfiguration = true);
        }
        catch (InvalidOperationException ex)
        {
            // The binder names the key: unknown properties, or values of the wrong type.
            errors = [ex.InnerException is null ? ex.Message : $"{ex.Message} {ex.InnerException.Message}"];
            return options;
        }

        var result = validator.Validate(null, options);
        errors = result.Failed ? result.Failures.ToArray() : [];
        builder.Services.AddSingleton(validator);
        builder.Services.AddOptions<T>().BindConfiguration(section).ValidateOnStart();
        return options;
    }
}
