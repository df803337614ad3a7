#include <cuda_fp16.h>
#include <cuda_bf16.h>
/*
Kernels for layernorm forward pass.

Compile example:
nvcc -O3 --use_fast_math -lcublas -lcublasLt layernorm_forward.cu -o layernorm_forward

version 1 is naive port from CPU code to kernel: parallelizes over B,T, loops over C
./layernorm_forward 1

version 2 parallelizes over all of B,T,C
./layernorm_forward 2

version 3 uses cooperative groups to parallelize over all of B,T,C
./layernorm_forward 3

version 4 uses a more clever way to estimate variance, var(x) = mean(x**2) - mean(x)**2
          (allowing us to do a single pass over x on load)
./layernorm_forward 4

verstion 5 allocates blocks per row instead of warps per row, same alg as 4 otherwise
./layernorm_forward 5
*/

#include <stdio.h>
#include <stdlib.h>
#include <cuda_runtime.h>
#include <assert.h>
#include <cooperative_groups.h>
#include <cooperative_groups/reduce.h>

#include <stdlib.h>
#include <stdio.h>
#include <cuda_runtime.h>
                      
                     
#include <float.h>

#define WARP_SIZE 32U
                                 

                 
                                                       
                                            
 

                                           
                                                    
                                                        
     
               
 

// requires all 32 threads in the warp to be active, but should work for any block size
// uses non-dynamic shared memory so every call increases shared memory requirements by 128 bytes
// the fact it's unique shared memory allows us to avoid an extra __syncthreads() call at the end
// but if called inside a loop, the shared memory will be implicitly reused, so set final_sync to 1
                                           

                                         
                                                                                      
                                            
                                                                                        
                                           
                                                
                                                
                                                 

                                         
                                                         
                    
                                                                           
                                               

                     
                                                                                            
     
                     
 

// Helper function to call blockReduce with default arguments
                                         
                                                
                                                         
 

// ----------------------------------------------------------------------------
// checking utils

// CUDA error checking
                                                                
                               
                                                               
                                          
                           
     
 ;
#define cudaCheck(err) (cuda_check(err, __FILE__, __LINE__))

// cuBLAS error checking
                                                                   
 
                                          
                                                                 
                           
     
 
#define cublasCheck(status) { cublasCheck((status), __FILE__, __LINE__); }

// ----------------------------------------------------------------------------
// cuBLAS setup
// these will be initialized by setup_main

// cuBLAS workspace. Hardcoding to 32MiB but only Hopper needs 32, for others 4 is OK
                                                         
                                       
                                               
                             
                                 
                        
                        
                      // for persistent threads where we want 1 threadblock per SM
                                // needed to calculate how many blocks to launch to fill up the GPU

// ----------------------------------------------------------------------------
// to make sure that 2 blocks fit on A100/H100 to maximise latency tolerance

#define MAX_1024_THREADS_BLOCKS 2




// ----------------------------------------------------------------------------
// Packed128 data structure, which forces the compiler to use 128-bit loads/stores
// in GPUs that support (the LDG.128 and STS.128 instructions)
// This is a bit similar to the use of float4 in the case of 32-bit floats, but
// supports arbitrary precision.

                           
                              
                                                                                 
                                                  
                          
                                              
                                                                         
                                              
     

                                                              
                         
                                       
                                      
         
                      
     

                                         
                           
     

                                        
                           
     

                                                   
                              
     
                                                               
                              
     
                                      
                  
                                                                         
                                              
                    
     
                                                                               
                                                                                        
                                                                         
                              
  

// short-form typedef
                              

// load a Packed128 from an aligned memory address
                           
                                                                       
                                                                           
 
// load a Packed128 from an aligned memory address with streaming cache hint
                           
                                                                         
                                                                                  
 
// store a Packed128 to an aligned memory address
                           
                                                                             
                                                        
 
// store a Packed128 to an aligned memory address with streaming cache hint
                           
                                                                               
                                                              
 
// store a Packed128 to an aligned memory address while caching in L2 but bypassing L1
                           
                                                                               
                                                              
 

// ----------------------------------------------------------------------------
// reduced/mixed precision utilities




















                              


// older nvcc does not provide __ldcs and __stcs for bfloat16, despite these actually just being unsigned shorts.
// we need to be careful here to only define our own versions if none already exist, otherwise the compiler will
// complain.
// If not, you easily get "no viable overload" (for sm52) and "function already exists" (sm_80)












// ----------------------------------------------------------------------------
// random utils

                                       
                                                   
                                    
                                                          
     
               
 

                                    
                                                   
                                    
                                                                       
     
               
 

                                       
                                             
                                    
                                            
     
               
 

                                   
                                                   
                                                  
               
 

                                  
                                                   
                                    
                      
     
               
 

// ----------------------------------------------------------------------------
// testing and benchmarking utils

                          
                                                                                         
                                                          
                                                                            
                                     
                                            
     

                                                                                                          
                    

                                                                                         
                                                                                           
                
                  
 

                   
                              

                        
                      
                                        
                              
                                                    
                                                  
                                                                 
                                       
                                       

                                
                                              
                                                  
                                                                        

                                                                                 
                                                   
                                                         
                                                                                   
                                                                                          
                                                                                                   
                                                                    
 

                          
                                                                                                                              
                                                      
                                                                                                    
                    

                                



                                            
                               
                                       
                     

                                          
                    
                                                               
         
                                                                             
                                                  
                                                                   
                                               
                                                             
                                                                                                               
                       
                                
                              
                                   
             
         
     

                      
                      
                           
     

                  
 

                                           
                                                                                 
                            
                                                          
                                                      
                                                                                                           
                                      
                      
                                        
                              
                                                               
                       
                                                                 

                                       
                                      
                             
                                       
                   
                                                                       
                                                              
                                                   
                                                         
                                                  
                                               
                                              
                          
                                                                   
                                    
     

                                      

                                  
 
// ----------------------------------------------------------------------------
// CPU code reference

// GPT-2 layernorm forward pass
                                                                
                                                                                
                                             
                      
                                 
                                     
                                                    
                                                     
                                 
                           
                                         
                          
             
                    
                                                                   
                           
                                         
                                        
                                     
             
                    
                                 
                                            
                                                        
                                                    
                                         
                                                                
                                                                        
                                       
             
                                                                  
                                
                                
         
     
 

// ----------------------------------------------------------------------------
// GPU kernels

// naive drag and drop implementation into kernel, parallelize over B,T, loop over C
__global__ void layernorm_forward_kernel1(float* out, float* mean, float* rstd,
                                 const float* inp, const float* weight, const float* bias,
                                 int N, int C) {
    int idx = blockIdx.x * blockDim.x + threadIdx.x;
    float eps = 1e-5f;

    if (idx < N) {
        // seek to the input position inp[idx,:]
        const float* x = inp + idx * C;
        // calculate the mean
        float m = 0.0f;
        for (int i = 0; i < C; i++) {
            m += x[i];
        }
        m = m / C;
        // calculate the variance (without any bias correction)
        float v = 0.0f;
        for (int i = 0; i < C; i++) {
            float xshift = x[i] - m;
            v += xshift * xshift;
        }
        v = v / C;
        // calculate the rstd
        float s = 1.0f / sqrtf(v + eps);
        // seek to the output position in out[idx,:]
        float* out_idx = out + idx * C;
        for (int i = 0; i < C; i++) {
            float n = (s * (x[i] - m)); // normalized output
            float o = n * weight[i] + bias[i]; // scale and shift it
            out_idx[i] = o; // write
        }
        // cache the mean and rstd for the backward pass later
        mean[idx] = m;
        rstd[idx] = s;
    }
}

                                                                                          
                                     
                                           
                                                   
                                   
                        
                     
                                               
                    
     
                      
                    
                 
                                                                 
                        
                           
                                                
         
     
                                                            
                   
                                  
     
 

                                                                                                             
                                     
                                           
                                                   
                                   
                        
                        
                     
                                               
                              
                           
     
                      
                    
                 
                                                                 
                        
                           
                                                
         
     
                                                            
                   
                                                        
     
 

                                                                                            
                                                                                                   
                                                    

                     
                    

                       
                       
                        
                           
                                      

                 
 

                                                                                                                      
                                                                                                      
                                                                                   
                                      
                                                     
                                                                    
                                                                                               
                                                                           
                  
               
     

                                                                     
                                   

           
                     
                                                               
                    
     
                                                   
                      
                                                    
                              
     

           
               
                                                               
                              
                           
     
                                                   
                                      
                                                    
                              
     

                                                     
                             
                                                               
                                                                         
                                                                                                    
                                                                                                     
                                        
                                             
     
 

// same as kernel 3 but uses var(x) == mean(x**2) - mean(x)**2
                                                                                                                      
                                                                                                      
                                                                                   
                                      
                                                     
                                                                    
                                                                           
                  
               
     

                                                                     
                                   

                                                                  
                                     
                                         
                                                               
                        
                  
                        
     
                                      
                                                             
                                                                  
                        
                            

                      
                  
                                 
                                  

                                          
                                                    
                              
     
                                          
                                                    
                              
     
                                                     
                             
                                                               
                                        
                                             
     
 

// like 4, but in kernel 5 we have each block doing one row, not just a single warp
                                                                                                                      
                                                                                                      
                                                                                   
                                      
                                                     
                                                                    
                                                                              
                                                                                                    
                                    
                                   
                                   
                                                     
                                                                     
                                   
                                                                  
                                            
                                                
                                                                            
                                                       
                        
                         
                               
     
                           
                                                                               
                                                                                    
                                                                                                        
                                   
                                     
                    
                                                                                                    
                                                                  
                                                                    
                                           
                                                                              
                                                                                   
                      
                              
                                  
                        
                                   
                                  
                                          
                                             
                              
     
                                          
                                             
                              
     
                                                     
                             
                                                       
                                        
                                             
     
 

// Inspired by `fused_residual_forward_kernel5` in fused_residual_forward.cu
                                                                                                                      
                                                                                                      
                                                                                   
                                    

                                                 
                                                   
                                    
                                                                                                      
                                    
                                                     
                                                                      
                                                                                        

                                                                    
                                                                        
                                                     
                                                 
     
                    

                                                    
                                     

                                       
                   
                   

                            
                     
                                                                               
                                                
                                             
                                     
         
                                       
     

                             
                      
                  

                                                                               
                                                  
                                             
                                                                   
         
     

                             
                              

                                                                               
                                                  
                                                
                                              
                      
                                             
                                                                       
                                                                          
                            
         

                                      
     
                                                          
                                             
                              
     
                                          
                                             
                              
     
 

// ----------------------------------------------------------------------------
// kernel launcher

                                                             
                                                                                    
                                               
                                                  
                        
                                                  
                                                                                                   
                                  
 

                                                             
                                                                                
                                           
                                              
                  
                                                                       
                                                                                            
                                  
                                                                                                  
                                  
                                                               
                                
                                                           
                                                                                                  
                                  
 

                                                             
                                                                                
                                           
                                              
                                 
                        
                                                       
                                                                                                   
                                  
 

                                                             
                                                                                
                                           
                                              
                                 
                        
                                                       
                                                                                                   
                                  
 

                                                             
                                                                                
                                           
                                              
                                 
                               
                        
                            
                                                                                                   
                                  
 

                                                             
                                                                                
                                           
                                        
                                 
                        
                                         
                                               
                                                    

                                                                                  
                                                                                 
                                  
                                                                                                                     
                       
                                
                                                                                                                    
            
                                
                                                         
                                                                                                       
     
                                  
 

// kernel version dispatch
                                      
                                                         
                                                                             
                                        
                                           
                         
               
                                                                                        
                  
               
                                                                                        
                  
               
                                                                                        
                  
               
                                                                                        
                  
               
                                                                                        
                  
               
                                                                                        
                  
                
                                              
                    
     
 

// ----------------------------------------------------------------------------

                                 
             

              
                 
                

                      
                                        

                                           
                                                           
                                                        
                                                        
                                              
                                         
                                       

                  
                 
                  
                  
                 
                    
                  
                                                             
                                                          
                                                          
                                                             
                                                        
                                                      
                                                                                         
                                                                                       
                                                                                   

                                        
                       
                   
                                   
     
                                            

                                                      

                                                                       

                                                             
                                                                 
                                        
                                                        

                                                                                                           

                                                             
                                                            
                                                            
     

                                                          

                                               
                                                                 
                                        

                                
                                                                              
                                                                                                         
                                                                   

                                                              
                                                         
                                                              
                                                                 

                                                                                                                    
     

                  
              
               
               
              
                 
               
                               
                                
                                
                               
                                  
                                

             
 