using City.Edge.Buffer;
using City.Edge.Configuration;
using City.Edge.Devices;
using Microsoft.Extensions.DependencyInjection;

namespace City.Edge.Commands;

/// <summary>Registers the remote command path: the checks with the pinned key, the executor, the outbox, the log and the service.</summary>
internal static class CommandsSetup
{
    public static void AddCommands(IServiceCollection services, EdgeSettings settings, BatchBuffer buffer)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var options = settings.Options;
        services.AddSingleton<CommandLog>();
        services.AddSingleton(_ => new CommandOutbox(buffer, options.GatewayId));
        services.AddSingleton(sp =>
        {
            // Checked at start: with TLS the file loads, so a missing file here means plain MQTT without a key.
            var path = options.Commands.ResolveKeyFile(options.Central.Tls);
            var key = path is not null && File.Exists(path) ? CommandSigningKey.Load(path) : null;
            return new CommandChecks(key, options.GatewayId, TimeSpan.FromSeconds(options.Commands.ClockSkewSeconds), settings,
                sp.GetServices<IDeviceRunner>(), sp.GetService<Lighting.LightingRuntime>(), sp.GetService<IEdgeConfigPush>(),
                sp.GetService<IPriorityCommands>(), sp.GetService<IVmsCommands>());
        });
        services.AddSingleton<CommandExecutor>();
        services.AddSingleton<CommandService>();
    }
}
