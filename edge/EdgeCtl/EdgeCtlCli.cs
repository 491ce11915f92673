using System.CommandLine;
using City.EdgeCtl.Dali;
using City.EdgeCtl.MBus;
using City.EdgeCtl.Modbus;
using City.EdgeCtl.Snmp;
using City.EdgeCtl.Tic;
using City.EdgeCtl.Vms;

namespace City.EdgeCtl;

/// <summary>The whole command tree; the modbus commands write to the given writers so tests can run them in-process.</summary>
internal static class EdgeCtlCli
{
    public static RootCommand CreateRoot(TextWriter output, TextWriter error)
    {
        var socketOption = new Option<string>("--socket")
        {
            Description = "Unix socket of the edge daemon's local API (default: $EDGECTL_SOCKET, else " + SocketAccess.SystemdSocketPath +
                " when that directory exists (edge.service), else " + SocketAccess.FallbackSocketPath + ")",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable("EDGECTL_SOCKET") is { Length: > 0 } fromEnvironment
                ? fromEnvironment
                : SocketAccess.DefaultSocketPath(),
            Recursive = true,
        };
        var jsonOption = new Option<bool>("--json") { Description = "Print JSON instead of a table", Recursive = true };

        var status = new Command("status", "Gateway id, link to central, devices and their last poll, buffer");
        status.SetAction((parse, cancellation) =>
            Commands.RunAsync(parse.GetValue(socketOption)!, "/v1/status", parse.GetValue(jsonOption), StatusView.Print, output, error, cancellation));

        var points = new Command("points", "Latest value of every point: value, quality, age");
        points.SetAction((parse, cancellation) =>
            Commands.RunAsync(parse.GetValue(socketOption)!, "/v1/points", parse.GetValue(jsonOption), PointsView.Print, output, error, cancellation));

        var commands = new Command("commands", "The recent remote commands from central: id, issuer, action, when received, outcome, detail and rejection reason");
        commands.SetAction((parse, cancellation) =>
            Commands.RunAsync(parse.GetValue(socketOption)!, "/v1/commands", parse.GetValue(jsonOption), CommandsView.Print, output, error, cancellation));

        var rawOption = new Option<bool>("--raw") { Description = "Print the Prometheus text as the edge serves it" };
        var metrics = new Command("metrics", "The edge's figures (GET /metrics, Prometheus text): polls and errors by kind per device, buffer, link to central, commands")
        {
            rawOption,
        };
        metrics.SetAction((parse, cancellation) =>
            MetricsView.RunAsync(parse.GetValue(socketOption)!, parse.GetValue(jsonOption), parse.GetValue(rawOption), output, error, cancellation));

        var deviceArgument = new Argument<string>("device") { Description = "Name of a configured device" };
        var plan = new Command("plan", "The request plan of a device: the requests of each period group, their fill, and the totals") { deviceArgument };
        plan.SetAction((parse, cancellation) =>
            Commands.RunAsync(parse.GetValue(socketOption)!, $"/v1/devices/{Uri.EscapeDataString(parse.GetValue(deviceArgument)!)}/plan", parse.GetValue(jsonOption),
                PlanView.Print, output, error, cancellation));

        var targetArgument = new Argument<string>("point") { Description = "DEVICE/POINT, a configured point with \"Writable\": true" };
        var valueArgument = new Argument<string>("value") { Description = "A number (in the point's unit: scale and offset are undone), true/false or on/off, or a text" };
        var write = new Command("write", "Write one configured point through the edge (FC05 coil, FC06 one register, FC16 several)") { targetArgument, valueArgument };
        write.SetAction((parse, cancellation) =>
            Commands.WriteAsync(parse.GetValue(socketOption)!, parse.GetValue(targetArgument)!, parse.GetValue(valueArgument)!, parse.GetValue(jsonOption), output, error, cancellation));

        return new RootCommand("edgectl: the technician's tool for a street-cabinet gateway (talks to the local edge daemon, or straight to a Modbus device)")
        {
            socketOption,
            jsonOption,
            status,
            points,
            commands,
            metrics,
            plan,
            write,
            LightingCommand.Create(socketOption, jsonOption, output, error),
            ModbusCli.Create(jsonOption, output, error),
            DaliCli.Create(socketOption, jsonOption, output, error),
            SnmpCli.Create(jsonOption, output, error),
            ConfigCli.CreateReload(socketOption, jsonOption, output, error),
            ConfigCli.CreateConfig(socketOption, jsonOption, output, error),
            TicCli.Create(jsonOption, output, error),
            MBusCli.Create(jsonOption, output, error),
            PriorityView.Create(socketOption, jsonOption, output, error),
            VmsCli.Create(socketOption, jsonOption, output, error),
        };
    }
}
