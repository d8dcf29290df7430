// Command seed-walkthrough is the Pulumi program of the seed-walkthrough project.
package main

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/awsbackup/pulumi-awsbackup/sdk-examples/go/seed-walkthrough/walkthrough"
)

func main() {
	pulumi.Run(walkthrough.Program)
}
