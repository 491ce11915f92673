using System.CommandLine;
using City.EdgeCtl;

var socketOption = new Option<string>("--socket")
{
    Description = "Unix socket of the edge daemon's local API (default: $EDGECTL_SOCKET or " + LocalApiClient.DefaultSocketPath + ")",
    DefaultValueFactory = _ => Environment.GetEnvironmentVariable("EDGECTL_SOCKET") is { Length: > 0 } fromEnvironment
        ? fromEnvironment
        : LocalApiClient.DefaultSocketPath,
    Recursive = true,
};
var jsonOption = new Option<bool>("--json") { Description = "Print the raw JSON answer", Recursive = true };

var status = new Command("status", "Gateway id, link to central, devices and their last poll, buffer");
status.SetAction((parse, cancellation) =>
    Commands.RunAsync(parse.GetValue(socketOption)!, "/v1/status", parse.GetValue(jsonOption), StatusView.Print, cancellation));

var points = new Command("points", "Latest value of every point");
points.SetAction((parse, cancellation) =>
    Commands.RunAsync(parse.GetValue(socketOption)!, "/v1/points", parse.GetValue(jsonOption), PointsView.Print, cancellation));

var root = new RootCommand("edgectl: the technician's tool for a street-cabinet gateway (talks to the local edge daemon)")
{
    socketOption,
    jsonOption,
    status,
    points,
};
return await root.Parse(args).InvokeAsync();
