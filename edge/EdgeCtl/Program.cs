using System.CommandLine;
using System.CommandLine.Invocation;
using City.EdgeCtl;

var parse = EdgeCtlCli.CreateRoot(Console.Out, Console.Error).Parse(args);
var exitCode = await parse.InvokeAsync();

// An unknown command or option (System.CommandLine names it and prints the help) is exit code 2, as for edge and
// central; 1 stays a command that failed.
return parse.Action is ParseErrorAction ? 2 : exitCode;
