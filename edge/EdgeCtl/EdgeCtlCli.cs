using System.CommandLine;
using City.EdgeCtl.Modbus;

namespace City.EdgeCtl;

/// <summary>The whole command tree; the modbus commands write to the given writers so tests can run them in-process.</summary>
internal static class EdgeCtlCli
{
    public static RootCommand CreateRoot(TextWriter output, TextWriter error)
    {
        var socketOption = new Option<string>("--socket")
        {
            Description = "Unix socket of the edge daemon's local API (default: $EDGECTL_SOCKET or " + LocalApiClient.DefaultSocketPath + ")",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable("EDGECTL_SOCKET") is { Length: > 0 } fromEnvironment
                ? fromEnvironment
                : LocalApiClient.DefaultSocketPath,
            Recursive = true,
        };
        var jsonOption = new Option<bool>("--json") { Description = "Print JSON instead of a table", Recursive = true };

        var status = new Command("status", "Gateway id, link to central, devices and their last poll, buffer");
        status.SetAction((parse, cancellation) =>
            Commands.RunAsync(parse.GetValue(socketOption)!, "/v1/status", parse.GetValue(jsonOption), StatusView.Print, cancellation));

        var points = new Command("points", "Latest value of every point");
        points.SetAction((parse, cancellation) =>
            Commands.RunAsync(parse.GetValue(socketOption)!, "/v1/points", parse.GetValue(jsonOption), PointsView.Print, cancellation));

        return new RootCommand("edgectl: the technician's tool for a street-cabinet gateway (talks to the local edge daemon, or straight to a Modbus device)")
        {
            socketOption,
            jsonOption,
            status,
            points,
            ModbusCli.Create(jsonOption, output, error),
        };
    }
}
